import HTTPTypes
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Limits on each request as it is read, before any route runs (one handler per connection,
/// in the HTTP/1 pipeline after the parser, on the connection's event loop):
///
/// - a `Content-Length` over `maxBodyBytes`: 413 at once, the head never reaches the router,
///   the body is not read (what arrives is dropped) and the connection is closed;
/// - a chunked body that grows past `maxBodyBytes`: the chunk crossing the limit is passed on
///   (the router answers 413, `ServerContext.maxUploadSize`), the rest is dropped and the
///   connection closed once that answer is written;
/// - a body not complete `bodyTimeout` after its head (trickled): 408 when nothing was
///   answered yet, and the connection is closed.
///
/// A trickled request line or header block never becomes a request part; Hummingbird's idle
/// timeout closes such connections. Nothing here waits on a query worker. O(1) per part.
final class RequestLimitsHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let maxBodyBytes: Int
    let bodyTimeout: TimeAmount
    /// Body bytes of the request being read; nil between requests.
    private var bodyBytes: Int?
    /// True once the connection is refused or over its limit: inbound parts are dropped.
    private var discarding = false
    /// Close the connection when the response being written ends.
    private var closeAfterResponse = false
    /// Requests passed on whose response has not ended, and whether one is being written.
    private var pendingResponses = 0
    private var responseStarted = false
    private var deadline: Scheduled<Void>?

    init(maxBodyBytes: Int, bodyTimeout: TimeAmount) {
        self.maxBodyBytes = maxBodyBytes
        self.bodyTimeout = bodyTimeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !discarding else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            if let length = head.headerFields[.contentLength].flatMap(Int.init), length > maxBodyBytes {
                refuse(context: context, APIError(status: .contentTooLarge, message: "request body of \(length) bytes is larger than \(maxBodyBytes) bytes"))
                return
            }
            bodyBytes = 0
            pendingResponses += 1
            startDeadline(context: context)
            context.fireChannelRead(data)
        case .body(let chunk):
            let total = (bodyBytes ?? 0) + chunk.readableBytes
            bodyBytes = total
            context.fireChannelRead(data)
            if total > maxBodyBytes {
                // The router has seen more than the limit and answers 413; drop the rest.
                discarding = true
                closeAfterResponse = true
                deadline?.cancel()
            }
        case .end:
            bodyBytes = nil
            deadline?.cancel()
            deadline = nil
            context.fireChannelRead(data)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else {
            responseStarted = true
            context.write(data, promise: promise)
            return
        }
        responseStarted = false
        pendingResponses -= 1
        if closeAfterResponse && pendingResponses <= 0 {
            let channel = context.channel
            context.writeAndFlush(data).whenComplete { _ in channel.close(promise: nil) }
            promise?.succeed()
        } else {
            context.write(data, promise: promise)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }

    /// Times the body of the request just begun: still unfinished after `bodyTimeout`, the
    /// request gets 408 (if not answered) and the connection is closed.
    private func startDeadline(context: ChannelHandlerContext) {
        deadline?.cancel()
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: bodyTimeout) {
            let (handler, context) = bound.value
            guard handler.bodyBytes != nil, !handler.discarding else { return }
            let seconds = handler.bodyTimeout.nanoseconds / 1_000_000_000
            handler.refuse(context: context, APIError(status: .requestTimeout, message: "request body not received within \(seconds) s"))
        }
    }

    /// Stops reading this connection: answers `error` when no other answer is owed or being
    /// written before it (the request being read may be the one owed), and closes the
    /// connection once that is written.
    private func refuse(context: ChannelHandlerContext, _ error: APIError) {
        discarding = true
        deadline?.cancel()
        let channel = context.channel
        let owedBefore = pendingResponses - (bodyBytes != nil ? 1 : 0)
        guard owedBefore == 0, !responseStarted else {
            channel.close(promise: nil)
            return
        }
        let body = ByteBuffer(string: error.json)
        let head = HTTPResponse(status: error.status, headerFields: [
            .contentType: "application/json; charset=utf-8", .contentLength: String(body.readableBytes), .connection: "close",
        ])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
