package io.countersign.api;

import io.countersign.json.ActionRequestJson;
import io.countersign.policy.DecisionJson;
import io.countersign.json.Json;
import io.countersign.lifecycle.ActionRecord;
import io.countersign.lifecycle.BreakGlass;
import io.countersign.lifecycle.Lifecycle;
import io.countersign.lifecycle.Review;
import io.countersign.policy.ApprovalRequirement;
import io.countersign.policy.RequireApproval;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The JSON an API client sees for one action. */
public final class ActionRepresentation {
    private ActionRepresentation() {
    }

    public static ObjectNode of(ActionRecord record) {
        ObjectNode node = Json.object();
        node.put("id", record.id().value());
        node.put("status", record.status().wireName());
        node.put("digest", record.digest());
        node.setAll(ActionRequestJson.toJson(record.request()));
        ObjectNode requester = node.putObject("requester");
        requester.put("id", record.requester().id());
        requester.put("kind", record.requester().kind().wireName());
        if (record.requester().owner() != null) {
            requester.put("owner", record.requester().owner());
        }
        if (record.requester().onBehalfOf() != null) {
            requester.put("on_behalf_of", record.requester().onBehalfOf());
        }
        node.set("decision", DecisionJson.toJson(record.decision()));
        if (record.decision() instanceof RequireApproval required) {
            node.set("quorum", progress(record, required));
        }
        ArrayNode reviews = node.putArray("reviews");
        for (Review review : record.reviews()) {
            ObjectNode item = reviews.addObject();
            item.put("reviewer", review.reviewer());
            item.put("name", review.reviewerName());
            if (review.by() != null) {
                // Given for the reviewer under a delegation: "by for reviewer".
                item.put("by", review.by());
                item.put("by_name", review.byName());
            }
            item.put("decision", review.decision().wireName());
            if (review.comment() != null) {
                item.put("comment", review.comment());
            }
            item.put("at", review.at().toString());
        }
        node.put("created_at", record.createdAt().toString());
        node.put("updated_at", record.updatedAt().toString());
        if (record.expiresAt() != null) {
            node.put("expires_at", record.expiresAt().toString());
        }
        if (record.status() == io.countersign.model.Status.APPROVED && record.expiresAt() != null) {
            // The approval stands until then; not run by then, the action expires (approval_ttl).
            node.put("approval_expires_at", record.expiresAt().toString());
        }
        if (record.execution() != null) {
            ObjectNode execution = node.putObject("execution");
            execution.put("grant_id", record.execution().grantId());
            execution.put("by", record.execution().by());
            execution.put("at", record.execution().at().toString());
            if (record.execution().outcome() != null) {
                execution.put("outcome", record.execution().outcome().wireName());
            }
            if (record.execution().detail() != null) {
                execution.put("detail", record.execution().detail());
            }
        }
        if (record.breakGlass() != null) {
            BreakGlass glass = record.breakGlass();
            ObjectNode broken = node.putObject("break_glass");
            broken.put("by", glass.by());
            broken.put("by_name", glass.byName());
            broken.put("justification", glass.justification());
            broken.put("at", glass.at().toString());
            ObjectNode review = broken.putObject("review");
            if (glass.review() == null) {
                review.put("status", "pending");
            } else {
                review.put("status", glass.review().verdict().wireName());
                review.put("by", glass.review().reviewer());
                review.put("by_name", glass.review().reviewerName());
                if (glass.review().comment() != null) {
                    review.put("comment", glass.review().comment());
                }
                review.put("at", glass.review().at().toString());
            }
        }
        node.put("version", record.version());
        return node;
    }

    /** Quorum so far: for each requirement, how many distinct humans have approved toward it. */
    private static ObjectNode progress(ActionRecord record, RequireApproval required) {
        Map<String, Set<String>> approvers = Lifecycle.approvers(record);
        ObjectNode quorum = Json.object();
        quorum.put("met", required.quorum().isMetBy(approvers));
        quorum.put("approvals", approvers.size());
        quorum.put("justification", required.justification().wireName());
        boolean staged = required.quorum().isStaged();
        List<Map<String, Set<String>>> byStage = required.quorum().countedByStage(approvers);
        if (staged) {
            quorum.put("stages", required.quorum().stages());
            int open = byStage.size() - 1;
            if (open < required.quorum().stages()) {
                quorum.put("open_stage", open + 1);
            }
        }
        ArrayNode requirements = quorum.putArray("requirements");
        for (ApprovalRequirement requirement : required.quorum().requirements()) {
            ObjectNode item = requirements.addObject();
            item.put("rule", requirement.rule());
            item.put("min", requirement.min());
            requirement.from().stream().sorted().forEach(item.putArray("from")::add);
            // In stages, an approver counts toward the stage that was open when they approved, and no other.
            item.put("approvals", requirement.countApprovers(staged
                    ? (requirement.stage() < byStage.size() ? byStage.get(requirement.stage()) : Map.of()) : approvers));
            if (staged) {
                item.put("stage", requirement.stage() + 1);
                if (requirement.anyOf() != ApprovalRequirement.ALONE) {
                    item.put("any_of", requirement.anyOf());
                }
            }
        }
        return quorum;
    }
}
