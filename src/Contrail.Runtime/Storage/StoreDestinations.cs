using System.Data.Common;
using Contrail.Destinations;
using Contrail.Json;

namespace Contrail.Storage;

public partial class StoreReader
{
    private static StoredDestination ReadDestination(DbDataReader r) =>
        new(r.GetString(0), ContrailJson.Deserialize<DestinationDefinition>(r.GetString(1))!, r.GetString(2), r.GetInt64(3), r.GetInt64(4));

    public StoredDestination? DestinationGet(string name) => QueryFirst("DestinationGet", ReadDestination, ("@name", name));

    public List<StoredDestination> DestinationList(string after, int limit) =>
        Query("DestinationList", ReadDestination, ("@after", after), ("@limit", limit));

    public List<StoredDestination> DestinationListAll() => Query("DestinationListAll", ReadDestination);

    /// <summary>The delivery of <paramref name="deliveryId"/> that the target accepted, if there was one.</summary>
    public DeliveredRecord? DestinationDeliveryGet(string destination, string deliveryId) =>
        QueryFirst("DestinationDeliveryGet", r => new DeliveredRecord(r.GetString(0), r.StringOrNull(1), r.GetInt32(2), r.GetInt32(3), r.GetInt64(4)),
            ("@destination", destination), ("@delivery_id", deliveryId));

    public long DestinationDeliveryCount(string destination) => Scalar<long>("DestinationDeliveryCount", ("@destination", destination));
}

public sealed partial class StoreWriter
{
    public void DestinationUpsert(string name, DestinationDefinition definition, string origin) =>
        Execute("DestinationUpsert", ("@name", name), ("@definition", ContrailJson.Serialize(definition)), ("@origin", origin), ("@now", NowMs));

    public bool DestinationDelete(string name) => Execute("DestinationDelete", ("@name", name)) > 0;

    /// <summary>Records that the target accepted a delivery; false when it was already recorded.</summary>
    public bool DestinationDeliveryInsert(string destination, string deliveryId, string? eventId, int status, int attempts) =>
        Execute("DestinationDeliveryInsert", ("@destination", destination), ("@delivery_id", deliveryId), ("@event_id", eventId),
            ("@status", status), ("@attempts", attempts), ("@now", NowMs)) > 0;

    public int DestinationDeliveryDeleteBefore(long before, int limit) =>
        Execute("DestinationDeliveryDeleteBefore", ("@before", before), ("@limit", limit));
}
