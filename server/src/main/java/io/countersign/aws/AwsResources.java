package io.countersign.aws;

import io.countersign.model.Resource;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * What an AWS call acts on, read from its own parameters (a role's name, a parameter's name, an ARN), so that
 * the inventory and policy see the resource the call will change, not one an agent names beside it.
 */
final class AwsResources {
    /** Parameters naming the target directly, most specific first, with the resource type each names. */
    private static final List<Map.Entry<String, String>> NAMES = List.of(
            Map.entry("RoleName", "aws.iam.role"),
            Map.entry("UserName", "aws.iam.user"),
            Map.entry("GroupName", "aws.iam.group"),
            Map.entry("InstanceProfileName", "aws.iam.instance-profile"),
            Map.entry("PolicyName", "aws.iam.policy"));
    private static final Map<String, String> LABELS = Map.of("iam", "IAM", "sts", "STS", "ssm", "SSM");

    private AwsResources() {
    }

    static Resource of(AwsCall call) {
        JsonNode parameters = call.parameters();
        String service = call.service().name();
        if (service.equals("ssm")) {
            String name = text(parameters.get("Name"));
            if (name == null && parameters.path("Names").isArray() && parameters.get("Names").size() == 1) {
                name = text(parameters.get("Names").get(0));
            }
            if (name == null) {
                name = text(parameters.get("Path"));
            }
            if (name != null) {
                return new Resource("aws.ssm.parameter", name, null, Map.of());
            }
        }
        if (service.equals("iam")) {
            for (Map.Entry<String, String> named : NAMES) {
                String name = text(parameters.get(named.getKey()));
                if (name != null) {
                    return new Resource(named.getValue(), name, null, Map.of());
                }
            }
        }
        for (String field : parameters.propertyNames()) {
            String value = text(parameters.get(field));
            if (field.endsWith("Arn") && value != null && value.startsWith("arn:")) {
                Resource fromArn = fromArn(value);
                if (fromArn != null) {
                    return fromArn;
                }
            }
        }
        // A call on no one thing (GetCallerIdentity, ListRoles): the service itself.
        return new Resource("aws." + service, "*", null, Map.of());
    }

    /** {@code arn:aws:iam::123456789012:role/ops/deployer} is {@code aws.iam.role} {@code deployer}. */
    static Resource fromArn(String arn) {
        String[] parts = arn.split(":", 6);
        if (parts.length < 6 || parts[2].isEmpty() || parts[5].isEmpty()) {
            return null;
        }
        String resource = parts[5];
        int cut = indexOfAny(resource);
        if (cut < 0) {
            return new Resource("aws." + parts[2], resource, null, Map.of());
        }
        String type = resource.substring(0, cut);
        String name = resource.substring(resource.lastIndexOf(resource.charAt(cut) == ':' ? ':' : '/') + 1);
        return new Resource("aws." + parts[2] + "." + type, name, null, Map.of());
    }

    private static int indexOfAny(String resource) {
        int slash = resource.indexOf('/');
        int colon = resource.indexOf(':');
        return slash < 0 ? colon : colon < 0 ? slash : Math.min(slash, colon);
    }

    /** "AWS IAM AttachRolePolicy on role prod/deployer": how a person reads the call in one line. */
    static String headline(AwsCall call, Resource resource) {
        String service = LABELS.getOrDefault(call.service().name(), call.service().name().toUpperCase(java.util.Locale.ROOT));
        String kind = resource.type().substring(resource.type().lastIndexOf('.') + 1);
        String what = resource.id().equals("*") ? "" : " on " + kind + " " + (resource.env() == null || resource.id().startsWith("/") ? "" : resource.env() + "/")
                + resource.id();
        return "AWS " + service + " " + call.operation() + what;
    }

    private static String text(JsonNode node) {
        return node != null && node.isString() && !node.asString().isEmpty() ? node.asString() : null;
    }
}
