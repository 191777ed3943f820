using System.Data.Common;
using Contrail.Json;
using Contrail.Topics;

namespace Contrail.Storage;

public partial class StoreReader
{
    private static TopicDefinition ReadTopic(DbDataReader r) =>
        new(r.GetString(0), ContrailJson.Deserialize<TopicAttributes>(r.GetString(1))!, r.GetInt64(2), r.GetInt64(3));

    private static StoredSubscription ReadSubscription(DbDataReader r) =>
        new(r.GetString(0), r.GetString(1), ContrailJson.Deserialize<Subscription>(r.GetString(2))!, r.GetInt64(3));

    public TopicDefinition? TopicGet(string name) => QueryFirst("TopicGet", ReadTopic, ("@name", name));

    public List<TopicDefinition> TopicList(string after, int limit) => Query("TopicList", ReadTopic, ("@after", after), ("@limit", limit));

    public List<TopicDefinition> TopicListAll() => Query("TopicListAll", ReadTopic);

    public StoredSubscription? SubscriptionGet(string topic, string id) => QueryFirst("SubscriptionGet", ReadSubscription, ("@topic", topic), ("@id", id));

    public List<StoredSubscription> SubscriptionList(string topic, string after, int limit) =>
        Query("SubscriptionList", ReadSubscription, ("@topic", topic), ("@after", after), ("@limit", limit));

    public long SubscriptionCount(string topic) => Scalar<long>("SubscriptionCount", ("@topic", topic));

    public List<StoredSubscription> SubscriptionListAll() => Query("SubscriptionListAll", ReadSubscription);
}

public sealed partial class StoreWriter
{
    public void TopicUpsert(string name, TopicAttributes attributes) =>
        Execute("TopicUpsert", ("@name", name), ("@attributes", ContrailJson.Serialize(attributes)), ("@now", NowMs));

    /// <summary>Deletes a topic and its subscriptions.</summary>
    public bool TopicDelete(string name)
    {
        Execute("SubscriptionDeleteForTopic", ("@topic", name));
        return Execute("TopicDelete", ("@name", name)) > 0;
    }

    public void SubscriptionInsert(string id, string topic, Subscription subscription) =>
        Execute("SubscriptionInsert", ("@id", id), ("@topic", topic), ("@definition", ContrailJson.Serialize(subscription)), ("@now", NowMs));

    public bool SubscriptionDelete(string topic, string id) => Execute("SubscriptionDelete", ("@topic", topic), ("@id", id)) > 0;
}
