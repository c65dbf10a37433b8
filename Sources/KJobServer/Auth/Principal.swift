/// Who is calling: the token's name, role and tenant scope.
public struct Principal: Sendable, Hashable {
    public var tokenName: String
    public var role: Role
    /// Nil: every tenant.
    public var tenant: String?

    public init(tokenName: String, role: Role, tenant: String?) {
        self.tokenName = tokenName
        self.role = role
        self.tenant = tenant
    }
}
