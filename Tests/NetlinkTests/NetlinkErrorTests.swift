import SystemPackage
import Testing

@testable import Netlink

@Suite struct NetlinkErrorTests {
    @Test(arguments: [
        (Errno.fileExists, NetlinkError.Code.exists),
        (.noSuchProcess, .notFound),
        (.noSuchFileOrDirectory, .notFound),
        (.addressNotAvailable, .addressNotAvailable),
        (.operationNotSupportedByDevice, .noSuchDevice),
        (.networkDown, .networkDown),
        (.notPermitted, .permissionDenied),
        (.permissionDenied, .permissionDenied),
        (.invalidArgument, .invalidArgument),
        (.noBufferSpace, .other),
    ])
    func errnosMapToCodes(_ errno: Errno, _ code: NetlinkError.Code) {
        #expect(NetlinkError.Code.forAddressRequest(errno) == code)
        #expect(NetlinkError.Code.forRouteRequest(errno) == code)
    }

    @Test func descriptionNamesOperationErrnoAndExtendedAck() {
        let error = NetlinkError(
            code: .exists,
            operation: "RTM_NEWADDR",
            errno: .fileExists,
            extendedAck: "ipv6: address already assigned",
            message: "2001:db8::1/128 on ifindex 1"
        )
        #expect(error.description.hasPrefix("RTM_NEWADDR: 2001:db8::1/128 on ifindex 1: "))
        #expect(error.description.hasSuffix("(ipv6: address already assigned)"))
        #expect(error.code.description == "exists")
    }

    @Test func equalityComparesCodesOnly() {
        let first = NetlinkError(code: .notFound, operation: "RTM_DELROUTE", errno: .noSuchProcess, message: "a")
        let second = NetlinkError(code: .notFound, operation: "sysctl", message: "b")
        #expect(first == second)
        #expect(first != NetlinkError(code: .exists, operation: "RTM_DELROUTE", message: "a"))
    }
}
