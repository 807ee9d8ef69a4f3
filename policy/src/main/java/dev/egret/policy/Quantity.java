package dev.egret.policy;

import java.math.BigDecimal;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Kubernetes-style quantities: {@code 512Mi}, {@code 1G}, {@code 1048576} for memory; {@code 500m}, {@code 2} for CPU. */
public final class Quantity {
    private static final Pattern MEMORY = Pattern.compile("(\\d+(?:\\.\\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|K|M|G|T|P|E)?");
    private static final Pattern CPU = Pattern.compile("(\\d+(?:\\.\\d+)?)(m)?");
    private static final Map<String, BigDecimal> UNITS = Map.ofEntries(
            Map.entry("Ki", BigDecimal.valueOf(1L << 10)), Map.entry("Mi", BigDecimal.valueOf(1L << 20)),
            Map.entry("Gi", BigDecimal.valueOf(1L << 30)), Map.entry("Ti", BigDecimal.valueOf(1L << 40)),
            Map.entry("Pi", BigDecimal.valueOf(1L << 50)), Map.entry("Ei", BigDecimal.valueOf(1L << 60)),
            Map.entry("k", BigDecimal.valueOf(1_000L)), Map.entry("K", BigDecimal.valueOf(1_000L)),
            Map.entry("M", BigDecimal.valueOf(1_000_000L)), Map.entry("G", BigDecimal.valueOf(1_000_000_000L)),
            Map.entry("T", BigDecimal.valueOf(1_000_000_000_000L)), Map.entry("P", BigDecimal.valueOf(1_000_000_000_000_000L)),
            Map.entry("E", BigDecimal.valueOf(1_000_000_000_000_000_000L)));

    private Quantity() {
    }

    /** Bytes of a memory quantity; throws IllegalArgumentException with the reason when malformed. */
    public static long parseBytes(String s) {
        Matcher m = MEMORY.matcher(s == null ? "" : s.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + s + "' is not a memory quantity (e.g. 512Mi, 2Gi, 1G, 1048576)");
        }
        BigDecimal v = new BigDecimal(m.group(1));
        if (m.group(2) != null) {
            v = v.multiply(UNITS.get(m.group(2)));
        }
        if (v.compareTo(BigDecimal.valueOf(4096)) < 0) {
            throw new IllegalArgumentException("'" + s + "' is below the smallest memory limit (4096 bytes)");
        }
        if (v.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("'" + s + "' is too large");
        }
        return v.longValue();
    }

    /** Millicores of a CPU quantity; throws IllegalArgumentException with the reason when malformed. */
    public static long parseMillicores(String s) {
        Matcher m = CPU.matcher(s == null ? "" : s.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + s + "' is not a CPU quantity (e.g. 500m, 2, 0.5)");
        }
        BigDecimal v = new BigDecimal(m.group(1));
        if (m.group(2) == null) {
            v = v.multiply(BigDecimal.valueOf(1000));
        }
        if (v.compareTo(BigDecimal.ONE) < 0) {
            throw new IllegalArgumentException("'" + s + "' is below one millicore");
        }
        if (v.compareTo(BigDecimal.valueOf(1_000_000_000L)) > 0) {
            throw new IllegalArgumentException("'" + s + "' is too large");
        }
        if (v.stripTrailingZeros().scale() > 0) {
            throw new IllegalArgumentException("'" + s + "' is finer than one millicore");
        }
        return v.longValue();
    }
}
