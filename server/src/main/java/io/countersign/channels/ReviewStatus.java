package io.countersign.channels;

import io.countersign.lifecycle.ActionRecord;

/** The status a review message opens with, the same in every chat system. */
public final class ReviewStatus {
    private ReviewStatus() {
    }

    public static String label(ActionRecord record) {
        return switch (record.status()) {
            case PENDING -> "⏳ Approval needed:";
            case APPROVED -> "✅ Approved:";
            case ALLOWED -> "✅ Allowed:";
            case DENIED -> "❌ Denied:";
            case EXPIRED -> record.approvalLapsed() ? "⌛ Approval lapsed:" : "⌛ Expired:";
            case CANCELLED -> "🚫 Cancelled:";
            case EXECUTED -> record.execution() != null && record.execution().outcome() == null ? "▶️ Running:" : "✔️ Executed:";
            case FAILED -> "⚠️ Failed:";
        };
    }
}
