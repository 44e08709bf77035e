package io.countersign.bench.policy;

import com.cedarpolicy.BasicAuthorizationEngine;
import com.cedarpolicy.model.AuthorizationRequest;
import com.cedarpolicy.model.AuthorizationResponse;
import com.cedarpolicy.model.AuthorizationSuccessResponse;
import com.cedarpolicy.model.entity.Entity;
import com.cedarpolicy.model.exception.AuthException;
import com.cedarpolicy.model.exception.CacheException;
import com.cedarpolicy.model.exception.InternalException;
import com.cedarpolicy.model.policy.PolicySet;
import com.cedarpolicy.value.CedarMap;
import com.cedarpolicy.value.EntityTypeName;
import com.cedarpolicy.value.EntityUID;
import com.cedarpolicy.value.PrimLong;
import com.cedarpolicy.value.PrimString;
import com.cedarpolicy.value.Value;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Cedar through its Java binding ({@code cedar-java}, the Rust engine over JNI). The policy set is cached
 * on the Rust side ({@link PolicySet#cache()}): uncached, every call re-sends and re-parses every policy.
 * Each call builds the principal and resource entities and the context from the sample.
 */
public final class CedarEngine implements PolicyEngineUnderTest {
    private static final EntityTypeName PRINCIPAL = type("Principal");
    private static final EntityTypeName ACTION = type("Action");
    private static final EntityTypeName RESOURCE = type("Resource");

    private final ComparedRules rules;
    private final PolicySet policies;
    private final BasicAuthorizationEngine engine = new BasicAuthorizationEngine();

    public CedarEngine(ComparedRules rules) {
        this.rules = rules;
        try {
            policies = PolicySet.parsePolicies(rules.cedarPolicies());
            policies.cache();
        } catch (InternalException | CacheException e) {
            throw new IllegalStateException("Cedar refused the policies: " + e.getMessage(), e);
        }
        if (policies.getNumPolicies() != rules.rules().size()) {
            throw new IllegalStateException("Cedar parsed " + policies.getNumPolicies() + " policies, expected " + rules.rules().size());
        }
    }

    private static EntityTypeName type(String name) {
        return EntityTypeName.parse(name).orElseThrow(() -> new IllegalStateException("not a Cedar type name: " + name));
    }

    @Override
    public ComparedRules.Effect decide(Sample sample) {
        Map<String, Value> labels = new HashMap<>();
        sample.labels().forEach((key, value) -> labels.put(key, new PrimString(value)));
        Map<String, Value> resourceAttributes = new HashMap<>();
        resourceAttributes.put("type", new PrimString(sample.resourceType()));
        if (sample.env() != null) {
            resourceAttributes.put("env", new PrimString(sample.env()));
        }
        resourceAttributes.put("labels", new CedarMap(labels));
        Entity principal = new Entity(PRINCIPAL.of(sample.principal()), Map.of("kind", new PrimString(sample.kind())), Set.of());
        Entity resource = new Entity(RESOURCE.of(sample.resourceId()), resourceAttributes, Set.of());
        Map<String, Value> context = new HashMap<>();
        context.put("action", new PrimString(sample.action()));
        if (sample.rowsEstimate() != null) {
            context.put("rows_estimate", new PrimLong(sample.rowsEstimate()));
        }
        EntityUID action = ACTION.of(sample.action());
        try {
            AuthorizationResponse response = engine.isAuthorized(
                    new AuthorizationRequest(principal.getEUID(), action, resource.getEUID(), context), policies, Set.of(principal, resource));
            AuthorizationSuccessResponse success = response.success
                    .orElseThrow(() -> new IllegalStateException("Cedar failed: " + response.errors));
            return rules.combine(success.isAllowed(), success.getReason());
        } catch (AuthException e) {
            throw new IllegalStateException("Cedar failed: " + e.getMessage(), e);
        }
    }
}
