package dev.egret.controller.api;

import dev.egret.controller.store.Precondition;

import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads optimistic-concurrency conditions from {@code If-Match}, {@code If-None-Match} and
 * {@code metadata.resourceVersion}.
 *
 * <ul>
 *   <li>{@code If-Match: *}: the policy must exist.</li>
 *   <li>{@code If-Match: "7"}: the policy must be at version 7. Weak tags and bare numbers ({@code W/"7"}, {@code 7})
 *       are accepted and compared like {@code "7"} (lenient: versions are exact, so weak and strong are the same).</li>
 *   <li>{@code If-Match: "6", "7"} (a list, or several headers): the policy must be at one of them.</li>
 *   <li>{@code If-Match: "0"}: never holds (no policy is at version 0; to create only, send If-None-Match: *).</li>
 *   <li>{@code If-None-Match: *} (PUT only): the policy must not exist (create only). Any other
 *       {@code If-None-Match} on a write, or any on DELETE, is refused with 400.</li>
 *   <li>Otherwise a {@code metadata.resourceVersion} in a PUT body acts like {@code If-Match} with that version.</li>
 * </ul>
 * A header wins over the body's version.
 */
final class Preconditions {
    static final String IF_MATCH = "If-Match";
    static final String IF_NONE_MATCH = "If-None-Match";
    static final String BODY_VERSION = "metadata.resourceVersion";

    private Preconditions() {
    }

    /**
     * What a write requires of the policy's current version, and the request field it came from (named when it does
     * not hold). Exactly one of {@code single} and {@code anyOf} is set.
     *
     * @param anyOf the versions of an {@code If-Match} list of more than one entity tag (none, for a list of only
     *              {@code "0"}: nothing matches)
     */
    record Condition(String field, Precondition single, Set<Long> anyOf) {
    }

    /** The condition of a PUT, or null for an unconditional write. */
    static Condition forPut(String ifMatch, String ifNoneMatch, String bodyVersion) {
        if (present(ifNoneMatch)) {
            if (present(ifMatch)) {
                throw ApiException.badField(IF_NONE_MATCH, "cannot be combined with If-Match (send one of them)");
            }
            if (!ifNoneMatch.strip().equals("*")) {
                throw ApiException.badField(IF_NONE_MATCH, "'" + ifNoneMatch.strip()
                        + "' is not supported on writes; only * (create only: the policy must not exist) is");
            }
            return new Condition(IF_NONE_MATCH, Precondition.version(0), null);
        }
        if (present(ifMatch)) {
            return fromIfMatch(ifMatch);
        }
        if (bodyVersion != null && !bodyVersion.isEmpty()) {
            return new Condition(BODY_VERSION, parse(bodyVersion, BODY_VERSION), null);
        }
        return null;
    }

    /** The condition of a DELETE, or null for an unconditional delete. */
    static Condition forDelete(String ifMatch, String ifNoneMatch) {
        if (present(ifNoneMatch)) {
            throw ApiException.badField(IF_NONE_MATCH, "is not supported on DELETE (If-None-Match: * would require "
                    + "the policy not to exist, so the delete could never succeed); use If-Match");
        }
        return present(ifMatch) ? fromIfMatch(ifMatch) : null;
    }

    /** {@code *}, one entity tag or a comma-separated list of them; see the class comment. */
    static Condition fromIfMatch(String header) {
        TreeSet<Long> versions = new TreeSet<>();
        boolean star = false;
        int elements = 0;
        for (String part : header.split(",")) {
            String v = part.strip();
            if (v.isEmpty()) {
                continue; // empty list elements are allowed by the HTTP list syntax
            }
            elements++;
            if (v.equals("*")) {
                star = true;
                continue;
            }
            if (v.startsWith("W/")) {
                v = v.substring(2);
            }
            if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
                v = v.substring(1, v.length() - 1);
            }
            versions.add(parse(v, IF_MATCH).version());
        }
        if (elements == 0) {
            throw ApiException.badField(IF_MATCH, "'" + header + "' holds no entity tag");
        }
        if (star) {
            if (elements > 1) {
                throw ApiException.badField(IF_MATCH, "* cannot be combined with entity tags");
            }
            return new Condition(IF_MATCH, Precondition.mustExist(), null);
        }
        // no policy is ever at version 0 (an absent one has no entity tag at all), so "0" matches nothing: a list
        // of only "0" never holds (412), rather than meaning "absent" as version 0 does for If-None-Match: *
        versions.remove(0L);
        if (versions.isEmpty()) {
            return new Condition(IF_MATCH, null, Set.of());
        }
        if (versions.size() == 1) {
            return new Condition(IF_MATCH, Precondition.version(versions.iterator().next()), null);
        }
        return new Condition(IF_MATCH, null, Collections.unmodifiableSortedSet(versions));
    }

    private static boolean present(String header) {
        return header != null && !header.isBlank();
    }

    private static Precondition parse(String v, String field) {
        try {
            long n = Long.parseLong(v);
            if (n >= 0) {
                return Precondition.version(n);
            }
        } catch (NumberFormatException ignored) {
            // fall through to the error
        }
        throw ApiException.badField(field, "'" + v + "' is not a resource version (a non-negative integer)");
    }
}
