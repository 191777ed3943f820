using Contrail.Bus;

namespace Contrail.Storage;

public partial class StoreReader
{
    public BusFingerprint BusFingerprint() =>
        QueryFirst("BusFingerprint", r => new BusFingerprint(
            (r.GetInt64(0), r.GetInt64(1)), (r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5)), (r.GetInt64(6), r.GetInt64(7))))!;
}
