package dev.egret.controller.store;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The status an {@code EgressPolicy} resource gets about its validity: a {@value #VALID} condition, False with the
 * validation error while the resource is not a valid policy, True once it is again. A policy that never was invalid
 * gets no status write, so its resourceVersion (the REST API's ETag) moves only with its spec. Pure.
 */
public final class ValidityStatus {
    /** The condition's type. */
    public static final String VALID = "Valid";
    private static final int MAX_MESSAGE = 32_000;

    private ValidityStatus() {
    }

    /**
     * @param shownStatus the resource's {@code status} as stored (a map, or null)
     * @param problem     why the resource is not a valid policy, or null when it is one
     */
    public static boolean needsWrite(Object shownStatus, String problem) {
        Map<?, ?> shown = condition(shownStatus);
        boolean shownInvalid = shown != null && "False".equals(shown.get("status"));
        if (problem == null) {
            return shownInvalid;
        }
        return !shownInvalid || !message(problem).equals(shown.get("message"));
    }

    /** The status to write; {@code generation} may be null (an API server that does not count them). */
    public static Map<String, Object> status(String problem, Long generation, Instant now) {
        Map<String, Object> condition = new LinkedHashMap<>();
        condition.put("type", VALID);
        condition.put("status", problem == null ? "True" : "False");
        if (generation != null) {
            condition.put("observedGeneration", generation);
        }
        condition.put("lastTransitionTime", now.truncatedTo(ChronoUnit.SECONDS).toString());
        condition.put("reason", problem == null ? "Valid" : "InvalidPolicy");
        condition.put("message", problem == null ? "a valid policy, served to the nodes" : message(problem));
        Map<String, Object> status = new LinkedHashMap<>();
        if (generation != null) {
            status.put("observedGeneration", generation);
        }
        status.put("conditions", List.of(condition));
        return status;
    }

    /** The {@value #VALID} condition in a stored status, or null. */
    public static Map<?, ?> condition(Object status) {
        if (!(status instanceof Map<?, ?> s) || !(s.get("conditions") instanceof List<?> conditions)) {
            return null;
        }
        for (Object c : conditions) {
            if (c instanceof Map<?, ?> m && VALID.equals(m.get("type"))) {
                return m;
            }
        }
        return null;
    }

    private static String message(String problem) {
        return problem.length() > MAX_MESSAGE ? problem.substring(0, MAX_MESSAGE) : problem;
    }
}
