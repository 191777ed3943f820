using System.Data.Common;

namespace Contrail.Storage;

/// <summary>
/// One connection's view of the store: the read half of the storage contract. Methods are noun-first
/// (<c>EventGet</c>, <c>QueueStats</c>) and run the named statements of the provider's <see cref="SqlCatalog"/>.
/// Not thread-safe: a reader belongs to one caller for the duration of a <see cref="Store.Read{T}"/> call.
/// </summary>
public partial class StoreReader : IDisposable
{
    private readonly DbConnection _connection;
    private readonly SqlCatalog _sql;
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);

    internal StoreReader(DbConnection connection, SqlCatalog sql, TimeProvider time, string owner)
    {
        _connection = connection;
        _sql = sql;
        Time = time;
        Owner = owner;
    }

    /// <summary>This process's identity in the store: who holds a message in flight.</summary>
    public string Owner { get; }

    public TimeProvider Time { get; }

    /// <summary>Now, in unix milliseconds, from the store's clock.</summary>
    public long NowMs => Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The transaction that commands join, when this session writes.</summary>
    internal DbTransaction? Transaction { get; set; }

    internal DbConnection Connection => _connection;

    /// <summary>Runs raw SQL that is not part of the catalog (migrations, pragmas).</summary>
    internal void ExecuteRaw(string sql)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = Transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Runs a short fixed statement (savepoints) through a command prepared once per connection.</summary>
    internal void ExecuteFixed(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = _connection.CreateCommand();
            command.CommandText = sql;
            _commands[sql] = command;
        }
        command.Transaction = Transaction;
        command.ExecuteNonQuery();
    }

    internal DbCommand Command(string name, ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        if (!_commands.TryGetValue(name, out var command))
        {
            command = _connection.CreateCommand();
            command.CommandText = _sql[name];
            _commands[name] = command;
        }
        command.Transaction = Transaction;
        var list = command.Parameters;
        // A cached command is almost always called with the same parameters in the same order: then only
        // the values change, and the provider keeps its prepared statement and parameter objects.
        var reuse = list.Count == parameters.Length;
        for (var i = 0; reuse && i < parameters.Length; i++)
            reuse = ReferenceEquals(list[i].ParameterName, parameters[i].Name) || list[i].ParameterName == parameters[i].Name;
        if (!reuse)
        {
            list.Clear();
            foreach (var (parameterName, _) in parameters)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = parameterName;
                list.Add(parameter);
            }
        }
        for (var i = 0; i < parameters.Length; i++)
        {
            var parameter = list[i];
            var value = parameters[i].Value;
            if (value is null)
            {
                parameter.Value = DBNull.Value;
                parameter.DbType = System.Data.DbType.String;
            }
            else
            {
                parameter.ResetDbType();
                parameter.Value = value;
            }
        }
        return command;
    }

    internal int Execute(string name, params ReadOnlySpan<(string, object?)> parameters) =>
        Command(name, parameters).ExecuteNonQuery();

    internal T? Scalar<T>(string name, params ReadOnlySpan<(string, object?)> parameters)
    {
        var value = Command(name, parameters).ExecuteScalar();
        var type = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        return value is null or DBNull ? default : (T)Convert.ChangeType(value, type, System.Globalization.CultureInfo.InvariantCulture);
    }

    internal T? QueryFirst<T>(string name, Func<DbDataReader, T> map, params ReadOnlySpan<(string, object?)> parameters)
    {
        using var reader = Command(name, parameters).ExecuteReader();
        return reader.Read() ? map(reader) : default;
    }

    internal List<T> Query<T>(string name, Func<DbDataReader, T> map, params ReadOnlySpan<(string, object?)> parameters)
    {
        using var reader = Command(name, parameters).ExecuteReader();
        var list = new List<T>();
        while (reader.Read()) list.Add(map(reader));
        return list;
    }

    /// <summary>Forgets prepared commands (after the connection was lost and reopened).</summary>
    internal void ResetCommands()
    {
        foreach (var command in _commands.Values) command.Dispose();
        _commands.Clear();
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values) command.Dispose();
        _commands.Clear();
        GC.SuppressFinalize(this);
    }
}

/// <summary>Small helpers for reading nullable columns.</summary>
internal static class DataReaderExtensions
{
    public static string? StringOrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
    public static long? Int64OrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);
    public static byte[]? BytesOrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : (byte[])reader.GetValue(ordinal);
}
