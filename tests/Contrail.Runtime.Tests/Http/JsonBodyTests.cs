using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Contrail.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Contrail.Tests.Http;

public sealed class JsonBodyTests
{
    /// <summary>A reader that, like a pooled pipe, reuses (here: scribbles over) its buffer once it is consumed.</summary>
    private sealed class ReusingPipeReader(byte[] data) : PipeReader
    {
        private bool _consumed;

        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) =>
            new(new ReadResult(new ReadOnlySequence<byte>(data), false, true));

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            if (_consumed) return;
            _consumed = true;
            data.AsSpan().Fill((byte)'x');
        }

        public override bool TryRead(out ReadResult result) { result = default; return false; }
        public override void CancelPendingRead() { }
        public override void Complete(Exception? exception = null) { }
    }

    private sealed class BodyPipe(PipeReader reader) : IRequestBodyPipeFeature
    {
        public PipeReader Reader { get; } = reader;
    }

    [Fact]
    public async Task The_parsed_document_does_not_share_the_request_buffer_Regression()
    {
        var context = new DefaultHttpContext();
        context.Features.Set<IRequestBodyPipeFeature>(new BodyPipe(new ReusingPipeReader(Encoding.UTF8.GetBytes("""{"type":"flight.updated","n":42}"""))));
        var (document, problem) = await JsonBody.ReadAsync(context.Request, JsonBody.DefaultLimit, TestContext.Current.CancellationToken);
        Assert.Null(problem);
        using (document)
        {
            Assert.Equal("flight.updated", document!.RootElement.GetProperty("type").GetString());
            Assert.Equal(42, document.RootElement.GetProperty("n").GetInt32());
        }
    }
}
