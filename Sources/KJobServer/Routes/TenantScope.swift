import Hummingbird

/// Which tenant a request acts on. A token with a tenant acts on it alone (`?tenant=` is ignored);
/// a token without one acts on `?tenant=` (default `default`) and lists every tenant.
enum TenantScope {
    static func queryTenant(_ request: Request) throws -> String? {
        guard let tenant = request.uri.queryParameters.get("tenant") else { return nil }
        guard TenantName.isValid(tenant) else {
            throw Problem.badRequest("tenant must match ^[a-z0-9][a-z0-9-]{0,62}$", field: "tenant")
        }
        return tenant
    }

    /// The tenant a single-job request addresses.
    static func single(_ principal: Principal, _ request: Request) throws -> String {
        if let tenant = principal.tenant { return tenant }
        return try queryTenant(request) ?? TenantName.default
    }

    /// The tenant filter for a listing; nil = all.
    static func listing(_ principal: Principal, _ request: Request) throws -> String? {
        if let tenant = principal.tenant { return tenant }
        return try queryTenant(request)
    }

    /// The tenant filter for a run lookup by id; nil = all.
    static func runs(_ principal: Principal) -> String? {
        principal.tenant
    }
}
