package io.countersign.aws;

import io.countersign.json.Json;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.node.ObjectNode;

/**
 * An answer of the gateway's own in the shape the caller's protocol gives errors, so that the AWS SDKs and
 * CLI show its code and message (and retry a throttling error by themselves).
 *
 * @param status    HTTP status
 * @param queryCode the code in the Query protocol ({@code AccessDenied})
 * @param jsonCode  the {@code __type} in the JSON protocol ({@code AccessDeniedException})
 * @param requestId what the SDKs print as the request id: the Countersign request, when there is one
 */
public record AwsError(int status, String queryCode, String jsonCode, String message, String requestId) {

    static AwsError accessDenied(String message, String requestId) {
        return new AwsError(403, "AccessDenied", "AccessDeniedException", message, requestId);
    }

    /** Retryable by every SDK's standard and legacy retry modes. */
    static AwsError throttling(String message, String requestId) {
        return new AwsError(400, "Throttling", "ThrottlingException", message, requestId);
    }

    static AwsError signatureDoesNotMatch(String message) {
        return new AwsError(403, "SignatureDoesNotMatch", "InvalidSignatureException", message, null);
    }

    static AwsError unknownKey(String message) {
        return new AwsError(403, "InvalidClientTokenId", "UnrecognizedClientException", message, null);
    }

    static AwsError missingAuthentication(String message) {
        return new AwsError(403, "MissingAuthenticationToken", "MissingAuthenticationTokenException", message, null);
    }

    static AwsError expired(String message) {
        return new AwsError(400, "RequestExpired", "InvalidSignatureException", message, null);
    }

    static AwsError invalidParameter(String message) {
        return new AwsError(400, "InvalidParameterValue", "ValidationException", message, null);
    }

    static AwsError unavailable(String message, String requestId) {
        return new AwsError(503, "ServiceUnavailable", "ServiceUnavailableException", message, requestId);
    }

    /** The body and content type in {@code protocol}'s shape. */
    byte[] body(AwsSettings.Protocol protocol) {
        return switch (protocol) {
            case QUERY -> ("<ErrorResponse><Error><Type>" + (status >= 500 ? "Receiver" : "Sender") + "</Type><Code>" + queryCode
                    + "</Code><Message>" + xml(message) + "</Message></Error><RequestId>" + xml(requestId()) + "</RequestId></ErrorResponse>")
                    .getBytes(StandardCharsets.UTF_8);
            case JSON -> {
                ObjectNode body = Json.object();
                body.put("__type", jsonCode);
                body.put("message", message);
                yield Json.bytes(body);
            }
        };
    }

    static String contentType(AwsSettings.Protocol protocol) {
        return protocol == AwsSettings.Protocol.QUERY ? "text/xml" : "application/x-amz-json-1.1";
    }

    @Override
    public String requestId() {
        return requestId == null ? "countersign" : requestId;
    }

    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
