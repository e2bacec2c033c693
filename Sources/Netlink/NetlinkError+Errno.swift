import SystemPackage

// NOTE: The kernel's answers differ per object family, which is why each request type has its own
// mapping. They share the generic table below; the per-family functions document what the kernel
// returns for the cases callers branch on.

extension NetlinkError.Code {
    /// The category of an errno the kernel gave for an address request.
    ///
    /// `inet6_rtm_newaddr()` answers `EEXIST` for an existing address with `NLM_F_EXCL`, `ENODEV` for an
    /// unknown ifindex; `inet6_addr_del()` answers `EADDRNOTAVAIL` for a missing address (net/ipv6/addrconf.c).
    static func forAddressRequest(_ errno: Errno) -> Self {
        generic(errno)
    }

    /// The category of an errno the kernel gave for a route request.
    ///
    /// `fib6_add_1()` answers `EEXIST` for a duplicate with `NLM_F_EXCL` (net/ipv6/ip6_fib.c);
    /// `ip6_route_del()` answers `ESRCH` when nothing matches (net/ipv6/route.c).
    static func forRouteRequest(_ errno: Errno) -> Self {
        generic(errno)
    }

    /// The category of an errno the kernel gave for a link request (`rtnl_setlink()`, net/core/rtnetlink.c).
    static func forLinkRequest(_ errno: Errno) -> Self {
        generic(errno)
    }

    /// The category of an errno from a socket call or a file under `/proc/sys`.
    static func forSystemCall(_ errno: Errno) -> Self {
        if errno == .readOnlyFileSystem {
            return .permissionDenied
        }
        return generic(errno)
    }

    private static func generic(_ errno: Errno) -> Self {
        switch errno {
        case .fileExists: .exists
        case .noSuchProcess, .noSuchFileOrDirectory: .notFound
        case .addressNotAvailable: .addressNotAvailable
        case .operationNotSupportedByDevice: .noSuchDevice  // ENODEV
        case .networkDown: .networkDown
        case .notPermitted, .permissionDenied: .permissionDenied
        case .invalidArgument: .invalidArgument
        default: .other
        }
    }
}

extension NetlinkError {
    /// An error for a failed socket or file call.
    static func system(_ operation: String, _ errno: Errno, _ message: String) -> NetlinkError {
        NetlinkError(code: .forSystemCall(errno), operation: operation, errno: errno, message: message)
    }
}
