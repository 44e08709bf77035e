package io.countersign.policy;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import dev.cel.common.ast.CelExpr;
import dev.cel.parser.CelUnparser;
import dev.cel.parser.CelUnparserFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One compiled, type-checked CEL condition over the declared policy variables
 * ({@code principal, action, resource, intent, payload, context, now, request}). Time-aware rules use CEL's
 * own timestamp functions on {@code request.time} (the same instant as {@code now}), which take a time zone:
 * {@code request.time.getHours("Europe/Berlin")}, {@code request.time.getDayOfWeek("America/New_York")} (0 is
 * Sunday), {@code request.time >= timestamp("2026-12-20T00:00:00Z")} for a change freeze.
 */
public final class CelCondition {
    private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar("principal", MapType.create(SimpleType.STRING, SimpleType.DYN))
            .addVar("action", SimpleType.STRING)
            .addVar("resource", MapType.create(SimpleType.STRING, SimpleType.DYN))
            .addVar("intent", MapType.create(SimpleType.STRING, SimpleType.DYN))
            .addVar("payload", SimpleType.DYN)
            .addVar("context", MapType.create(SimpleType.STRING, SimpleType.DYN))
            .addVar("now", SimpleType.TIMESTAMP)
            .addVar("request", MapType.create(SimpleType.STRING, SimpleType.TIMESTAMP))
            .setResultType(SimpleType.BOOL)
            .build();
    private static final CelRuntime RUNTIME = CelRuntimeFactory.plannerRuntimeBuilder().build();

    private static final CelUnparser UNPARSER = CelUnparserFactory.newUnparser();

    private final String source;
    private final CelAbstractSyntaxTree ast;
    private final CelRuntime.Program program;
    private final ActionGuard guard;

    private CelCondition(String source, CelAbstractSyntaxTree ast, CelRuntime.Program program) {
        this.source = source;
        this.ast = ast;
        this.program = program;
        this.guard = ActionGuard.of(ast.getExpr()).orElse(null);
    }

    /** False only when this condition cannot hold for a request with this action, whatever else it says. */
    boolean mayHoldFor(String action) {
        return guard == null || guard.admits(action);
    }

    /** @throws PolicyException with the checker's message when the expression does not parse or type-check */
    public static CelCondition compile(String source) {
        try {
            CelAbstractSyntaxTree ast = COMPILER.compile(source).getAst();
            return new CelCondition(source, ast, RUNTIME.createProgram(ast));
        } catch (CelValidationException e) {
            throw new PolicyException(e.getMessage().strip());
        } catch (dev.cel.common.CelException e) {
            throw new PolicyException(e.getMessage().strip(), e);
        }
    }

    /** @throws CelEvaluationException when the expression fails for this input (a missing field, say) */
    public boolean test(Map<String, Object> variables) throws CelEvaluationException {
        return (Boolean) program.eval(variables);
    }

    /**
     * For an explanation: the first part of a condition {@code a && b && c} that does not hold for this
     * input, as source text with what it gave ({@code resource.env == "prod" is false}). Only called
     * when the whole condition did not hold; slow, and never used to decide.
     */
    public String firstFailingPart(Map<String, Object> variables) {
        List<CelExpr> parts = new ArrayList<>();
        conjuncts(ast.getExpr(), parts);
        for (CelExpr part : parts) {
            String text = parts.size() == 1 ? source
                    : UNPARSER.unparse(CelAbstractSyntaxTree.newParsedAst(part, ast.getSource()));
            try {
                CelCondition condition = parts.size() == 1 ? this : compile(text);
                if (!condition.test(variables)) {
                    return text + " is false";
                }
            } catch (CelEvaluationException | ClassCastException e) {
                return text + " could not be evaluated: " + e.getMessage();
            } catch (PolicyException e) {
                return source + " is false";
            }
        }
        return source + " is false";
    }

    private static void conjuncts(CelExpr expr, List<CelExpr> into) {
        if (expr.getKind() == CelExpr.ExprKind.Kind.CALL && expr.call().function().equals("_&&_")) {
            expr.call().args().forEach(arg -> conjuncts(arg, into));
        } else {
            into.add(expr);
        }
    }

    public String source() {
        return source;
    }
}
