import ArgumentParser
import HostUpAPISimulator

/// `--destination vpsId,name,primaryIp,nextHop`: a VPS of the account; an empty field is `null`
/// (`vps_2,db-01,192.0.2.11,` has no next hop).
struct DestinationArgument: ExpressibleByArgument {
    var destination: SimulatedDestination

    init?(argument: String) {
        let fields = argument.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 4, !fields[0].isEmpty, !fields[1].isEmpty else { return nil }
        destination = SimulatedDestination(
            vpsId: fields[0],
            name: fields[1],
            primaryIp: fields[2].isEmpty ? nil : fields[2],
            nextHop: fields[3].isEmpty ? nil : fields[3]
        )
    }
}
