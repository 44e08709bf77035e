package io.countersign.aws;

import io.countersign.json.Json;
import io.countersign.model.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One AWS API call as an agent's SDK sent it: the service and operation, and the call's parameters exactly
 * as sent (the Query protocol's form fields in their order, or the JSON protocol's body), which become the
 * action's payload. The body itself is kept so that what is forwarded is what was signed and approved.
 */
public record AwsCall(AwsSettings.Service service, String operation, ObjectNode parameters, byte[] body, String contentType, String target) {
    private static final Pattern OPERATION = Pattern.compile("[A-Z][A-Za-z0-9]{1,127}");
    /** The largest body a call may have: the SDKs send far less; IAM policy documents are at most 6 KiB. */
    static final int MAX_BODY = 256 * 1024;

    /** {@code aws.iam.AttachRolePolicy}: the action name policy matches. */
    public String action() {
        return "aws." + service.name() + "." + operation;
    }

    /**
     * @param rawQuery the URL's query as sent; the Query protocol may carry parameters there too
     * @throws InvalidInputException naming what is wrong with the call
     */
    static AwsCall parse(AwsSettings.Service service, String contentType, String target, String rawQuery, byte[] body) {
        return switch (service.protocol()) {
            case QUERY -> query(service, contentType, rawQuery, body);
            case JSON -> json(service, contentType, target, body);
        };
    }

    private static AwsCall query(AwsSettings.Service service, String contentType, String rawQuery, byte[] body) {
        ObjectNode parameters = Json.object();
        String operation = null;
        String form = body.length == 0 ? "" : new String(body, StandardCharsets.UTF_8);
        if (body.length > 0 && (contentType == null || !contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded"))) {
            throw new InvalidInputException("Content-Type", "a Query protocol call is sent as application/x-www-form-urlencoded");
        }
        for (String part : (rawQuery == null ? "" : rawQuery + "&") .concat(form).split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String name = SigV4.decode(eq < 0 ? part : part.substring(0, eq));
            String value = eq < 0 ? "" : SigV4.decode(part.substring(eq + 1));
            if (name.equals("Action")) {
                operation = value;
            } else if (parameters.has(name)) {
                throw new InvalidInputException(name, "the parameter " + name + " is given twice; a call states each parameter once");
            } else if (!name.startsWith("X-Amz-")) {
                parameters.put(name, value);
            }
        }
        if (operation == null || !OPERATION.matcher(operation).matches()) {
            throw new InvalidInputException("Action", "a Query protocol call names its operation in Action, e.g. Action=AttachRolePolicy");
        }
        return new AwsCall(service, operation, parameters, body, contentType, null);
    }

    private static AwsCall json(AwsSettings.Service service, String contentType, String target, byte[] body) {
        if (target == null || target.indexOf('.') < 1) {
            throw new InvalidInputException("X-Amz-Target", "a JSON protocol call names its operation in X-Amz-Target, e.g. AmazonSSM.GetParameter");
        }
        String operation = target.substring(target.lastIndexOf('.') + 1);
        if (!OPERATION.matcher(operation).matches()) {
            throw new InvalidInputException("X-Amz-Target", "'" + operation + "' is not an operation name");
        }
        JsonNode parameters = body.length == 0 ? Json.object() : Json.parse(body);
        if (!(parameters instanceof ObjectNode object)) {
            throw new InvalidInputException("body", "a JSON protocol call's body is a JSON object of its parameters");
        }
        return new AwsCall(service, operation, object, body, contentType, target);
    }
}
