/// Where a listing of jobs stands: the last job a page showed. Pages are in (tenant, slug)
/// order, so the next page starts strictly after this, whatever was added or deleted meanwhile.
public struct JobPosition: Sendable, Hashable {
    public var tenant: String
    public var slug: String

    public init(tenant: String, slug: String) {
        self.tenant = tenant
        self.slug = slug
    }
}
