package io.countersign.mcp;

import io.countersign.json.Json;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.ErrorCodes;
import io.modelcontextprotocol.spec.McpTransportException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** An upstream MCP server at a Streamable HTTP URL, through the official Java SDK's client. */
final class HttpUpstream implements UpstreamConnection {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private final McpSyncClient client;

    private HttpUpstream(McpSyncClient client) {
        this.client = client;
    }

    static HttpUpstream connect(GatewaySettings.Upstream.Url url, Duration timeout, Runnable toolsChanged) {
        URI uri = url.url();
        HttpRequest.Builder template = HttpRequest.newBuilder();
        url.headers().forEach(template::header);
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport.builder(uri.getScheme() + "://" + uri.getRawAuthority())
                .endpoint(uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()))
                .requestBuilder(template)
                .connectTimeout(CONNECT_TIMEOUT)
                .build();
        McpSyncClient client = McpClient.sync(transport)
                .requestTimeout(timeout)
                .initializationTimeout(Duration.ofSeconds(30))
                .clientInfo(McpGateway.IMPLEMENTATION)
                // The SDK calls this on its own threads, which must not block; the gateway lists again on one of its own.
                .toolsChangeConsumer(changed -> Thread.ofVirtual().name("countersign-mcp-tools-changed").start(toolsChanged))
                .build();
        try {
            client.initialize();
        } catch (RuntimeException e) {
            close(client);
            throw failure(e, "at " + url.shown());
        }
        return new HttpUpstream(client);
    }

    @Override
    public McpSchema.ListToolsResult listTools(String cursor) {
        try {
            return client.listTools(cursor);
        } catch (RuntimeException e) {
            throw failure(e, "failed");
        }
    }

    @Override
    public ObjectNode callTool(String name, JsonNode arguments, Cancellation cancellation) {
        // The SDK's blocking client cannot cancel one request: a call cancelled here runs to its end.
        Map<String, Object> given = Json.MAPPER.convertValue(arguments, Json.MAPPER.getTypeFactory()
                .constructMapType(LinkedHashMap.class, String.class, Object.class));
        try {
            return Json.MAPPER.valueToTree(client.callTool(new McpSchema.CallToolRequest(name, given)));
        } catch (RuntimeException e) {
            throw failure(e, "failed");
        }
    }

    /** The SDK's exceptions as the kinds the gateway tells apart: answered, never sent, timed out, or lost. */
    private static RuntimeException failure(RuntimeException e, String what) {
        if (e instanceof McpError error) {
            return new Refused(error.getJsonRpcError() == null ? ErrorCodes.INTERNAL_ERROR : error.getJsonRpcError().code(), UpstreamServer.message(e));
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof java.util.concurrent.TimeoutException) {
                return new TimedOut(what + ": no answer in time", e);
            }
            if (cause instanceof ConnectException) {
                return new NotSent(what + ": " + reason(e), e);
            }
        }
        return new Lost(what + ": " + reason(e), e);
    }

    /**
     * What went wrong, in words. The SDK wraps the exception that says it in one of its own ("Client failed
     * to initialize by explicit API call"), and the JDK's client leaves a refused connection without a message.
     */
    private static String reason(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof UnresolvedAddressException) {
                return "unknown host";
            }
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof HttpConnectTimeoutException) {
                return "no connection within " + CONNECT_TIMEOUT.toSeconds() + " s";
            }
            if (cause instanceof ConnectException) {
                return "could not connect" + (cause.getMessage() == null ? " (refused or unreachable)" : ": " + cause.getMessage());
            }
            if (cause instanceof McpTransportException transport && transport.getMessage() != null) {
                return transport.getMessage();
            }
        }
        return UpstreamServer.message(e);
    }

    @Override
    public void close() {
        close(client);
    }

    private static void close(McpSyncClient client) {
        try {
            client.close();
        } catch (RuntimeException e) {
            System.getLogger(HttpUpstream.class.getName()).log(System.Logger.Level.DEBUG, "closing an upstream client failed: " + e.getMessage());
        }
    }
}
