package io.countersign.policy;

import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a condition demands of the action name, read from its syntax: {@code action == "db.export"},
 * {@code action.startsWith("db.")}, {@code action.endsWith(".read")}, joined by {@code &&} and {@code ||}.
 * A rule whose guard rejects the request's action cannot match, and is not evaluated.
 *
 * <p>Skipping is exact, not a heuristic: in CEL, {@code false && x} is false even when {@code x} is an
 * error, so a condition with a false guard conjunct is false; it neither matches nor fails closed.
 */
record ActionGuard(Set<String> exact, List<String> prefixes, List<String> suffixes) {

    boolean admits(String action) {
        if (exact.contains(action)) {
            return true;
        }
        for (String prefix : prefixes) {
            if (action.startsWith(prefix)) {
                return true;
            }
        }
        for (String suffix : suffixes) {
            if (action.endsWith(suffix)) {
                return true;
            }
        }
        return false;
    }

    /** The guard of a type-checked condition, or empty when its syntax constrains the action in no way we read. */
    static Optional<ActionGuard> of(CelExpr expr) {
        if (expr.getKind() != CelExpr.ExprKind.Kind.CALL) {
            return Optional.empty();
        }
        CelExpr.CelCall call = expr.call();
        List<CelExpr> args = call.args();
        switch (call.function()) {
            case "_&&_" -> {
                // Any one conjunct's guard is a necessary condition of the whole.
                for (CelExpr arg : args) {
                    Optional<ActionGuard> guard = of(arg);
                    if (guard.isPresent()) {
                        return guard;
                    }
                }
                return Optional.empty();
            }
            case "_||_" -> {
                // Every alternative must be guarded; the guard of the whole is their union.
                List<String> exact = new ArrayList<>();
                List<String> prefixes = new ArrayList<>();
                List<String> suffixes = new ArrayList<>();
                for (CelExpr arg : args) {
                    Optional<ActionGuard> guard = of(arg);
                    if (guard.isEmpty()) {
                        return Optional.empty();
                    }
                    exact.addAll(guard.get().exact());
                    prefixes.addAll(guard.get().prefixes());
                    suffixes.addAll(guard.get().suffixes());
                }
                return Optional.of(new ActionGuard(Set.copyOf(exact), List.copyOf(prefixes), List.copyOf(suffixes)));
            }
            case "_==_" -> {
                if (args.size() == 2) {
                    String literal = isAction(args.get(0)) ? string(args.get(1)) : isAction(args.get(1)) ? string(args.get(0)) : null;
                    if (literal != null) {
                        return Optional.of(new ActionGuard(Set.of(literal), List.of(), List.of()));
                    }
                }
                return Optional.empty();
            }
            case "startsWith", "endsWith" -> {
                if (call.target().isPresent() && isAction(call.target().get()) && args.size() == 1 && string(args.get(0)) != null) {
                    List<String> text = List.of(string(args.get(0)));
                    return Optional.of(call.function().equals("startsWith")
                            ? new ActionGuard(Set.of(), text, List.of()) : new ActionGuard(Set.of(), List.of(), text));
                }
                return Optional.empty();
            }
            default -> {
                return Optional.empty();
            }
        }
    }

    private static boolean isAction(CelExpr expr) {
        return expr.getKind() == CelExpr.ExprKind.Kind.IDENT && expr.ident().name().equals("action");
    }

    private static String string(CelExpr expr) {
        return expr.getKind() == CelExpr.ExprKind.Kind.CONSTANT && expr.constant().getKind() == CelConstant.Kind.STRING_VALUE
                ? expr.constant().stringValue() : null;
    }
}
