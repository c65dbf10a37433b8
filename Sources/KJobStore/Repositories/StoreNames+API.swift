extension StoreNames {
    /// A cancel was requested for a run (payload: the run id); the executor running it listens.
    public var cancelChannel: String { "\(schema)_cancel" }
}
