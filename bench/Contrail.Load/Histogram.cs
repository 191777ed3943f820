namespace Contrail.Load;

/// <summary>Latency samples in microseconds; percentiles by sorting (a few million samples at most).</summary>
internal sealed class Histogram
{
    private readonly List<long> _samples = new(1 << 20);

    public void Add(long microseconds)
    {
        lock (_samples) _samples.Add(microseconds);
    }

    public int Count { get { lock (_samples) return _samples.Count; } }

    public double PercentileMs(double p)
    {
        lock (_samples)
        {
            if (_samples.Count == 0) return double.NaN;
            _samples.Sort();
            var index = (int)Math.Min(_samples.Count - 1, Math.Ceiling(p / 100 * _samples.Count) - 1);
            return _samples[Math.Max(index, 0)] / 1000.0;
        }
    }
}
