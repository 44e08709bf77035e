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
import java.util.Map;

/**
 * One compiled, type-checked CEL condition over the declared policy variables
 * ({@code principal, action, resource, intent, payload, context, now}).
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
            .setResultType(SimpleType.BOOL)
            .build();
    private static final CelRuntime RUNTIME = CelRuntimeFactory.plannerRuntimeBuilder().build();

    private final String source;
    private final CelRuntime.Program program;

    private CelCondition(String source, CelRuntime.Program program) {
        this.source = source;
        this.program = program;
    }

    /** @throws PolicyException with the checker's message when the expression does not parse or type-check */
    public static CelCondition compile(String source) {
        try {
            CelAbstractSyntaxTree ast = COMPILER.compile(source).getAst();
            return new CelCondition(source, RUNTIME.createProgram(ast));
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

    public String source() {
        return source;
    }
}
