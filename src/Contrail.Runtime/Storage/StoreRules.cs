using System.Data.Common;
using Contrail.Bus;
using Contrail.Json;

namespace Contrail.Storage;

public partial class StoreReader
{
    private static StoredRule ReadRule(DbDataReader r) =>
        new(ContrailJson.Deserialize<Rule>(r.GetString(1))!, r.GetString(2), r.GetInt64(3), r.GetInt64(4));

    public StoredRule? RuleGet(string name) => QueryFirst("RuleGet", ReadRule, ("@name", name));

    public List<StoredRule> RuleList(string after, int limit) => Query("RuleList", ReadRule, ("@after", after), ("@limit", limit));

    public List<StoredRule> RuleListAll() => Query("RuleListAll", ReadRule);

    public List<StoredRule> RuleListByOrigin(string origin) => Query("RuleListByOrigin", ReadRule, ("@origin", origin));
}

public sealed partial class StoreWriter
{
    public void RuleUpsert(Rule rule, string origin) =>
        Execute("RuleUpsert", ("@name", rule.Name), ("@definition", ContrailJson.Serialize(rule)), ("@origin", origin), ("@now", NowMs));

    public bool RuleDelete(string name) => Execute("RuleDelete", ("@name", name)) > 0;
}
