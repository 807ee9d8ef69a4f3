package dev.egret.node.agent;

import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The node agent's settings by key ({@code egret.node.dns-port}), looked up as MicroProfile Config does: a system
 * property, else an environment variable of that exact name, else of that name with every other character than a
 * letter or digit made {@code _} ({@code egret_node_dns_port}), else the same in upper case
 * ({@code EGRET_NODE_DNS_PORT}). A value that does not parse is an {@link IllegalArgumentException} naming the key.
 */
public final class Settings {
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)?", Pattern.CASE_INSENSITIVE);

    private final Properties props;
    private final Map<String, String> env;

    private Settings(Properties props, Map<String, String> env) {
        this.props = props;
        this.env = env;
    }

    /** System properties, then the environment. */
    public static Settings fromEnvironment() {
        return of(System.getProperties(), System.getenv());
    }

    public static Settings of(Properties props, Map<String, String> env) {
        return new Settings(props, Map.copyOf(env));
    }

    private String lookup(String key) {
        String v = props.getProperty(key);
        if (v == null) {
            v = env.get(key);
        }
        if (v == null) {
            v = env.get(envName(key).toLowerCase(Locale.ROOT));
        }
        if (v == null) {
            v = env.get(envName(key));
        }
        return v;
    }

    /**
     * Every setting under a prefix, by the rest of its name: system properties {@code kafka.security.protocol} and
     * environment variables {@code kafka.security.protocol} or {@code KAFKA_SECURITY_PROTOCOL} give
     * {@code security.protocol} for the prefix {@code kafka.} (an environment variable's {@code _} become dots).
     * System properties win.
     */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> out = new java.util.TreeMap<>();
        String envPrefix = envName(prefix);
        env.forEach((k, v) -> {
            if (k.startsWith(envPrefix) && k.length() > envPrefix.length()) {
                out.put(k.substring(envPrefix.length()).toLowerCase(Locale.ROOT).replace('_', '.'), v);
            }
        });
        env.forEach((k, v) -> {
            if (k.startsWith(prefix) && k.length() > prefix.length()) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        props.stringPropertyNames().forEach(k -> {
            if (k.startsWith(prefix) && k.length() > prefix.length()) {
                out.put(k.substring(prefix.length()), props.getProperty(k));
            }
        });
        return out;
    }

    /** Only these values (tests). */
    public static Settings of(Map<String, String> values) {
        return new Settings(new Properties(), Map.copyOf(values));
    }

    static String envName(String key) {
        StringBuilder b = new StringBuilder(key.length());
        for (char c : key.toCharArray()) {
            b.append(Character.isLetterOrDigit(c) ? Character.toUpperCase(c) : '_');
        }
        return b.toString();
    }

    /** The value, stripped; empty when unset or blank. */
    public Optional<String> get(String key) {
        String v = lookup(key);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.strip());
    }

    public String string(String key, String dflt) {
        return get(key).orElse(dflt);
    }

    public int integer(String key, int dflt) {
        return get(key).map(v -> parse(key, v, "an integer", Integer::parseInt)).orElse(dflt);
    }

    public long longValue(String key, long dflt) {
        return get(key).map(v -> parse(key, v, "an integer", Long::parseLong)).orElse(dflt);
    }

    public boolean bool(String key, boolean dflt) {
        return get(key).map(v -> switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw invalid(key, v, "true or false");
        }).orElse(dflt);
    }

    public Optional<Path> path(String key) {
        return get(key).map(v -> parse(key, v, "a path", Path::of));
    }

    public Path path(String key, Path dflt) {
        return path(key).orElse(dflt);
    }

    public Optional<URI> uri(String key) {
        return get(key).map(v -> parse(key, v, "a URL", s -> {
            URI u = URI.create(s);
            if (u.getScheme() == null || u.getHost() == null) {
                throw new IllegalArgumentException("no scheme or host");
            }
            return u;
        }));
    }

    /**
     * {@code 500ms}, {@code 1.5s}, {@code 2m}, {@code 1h}, {@code 1d} (any case), a number of seconds, or ISO-8601
     * ({@code PT5S}).
     */
    public Duration duration(String key, Duration dflt) {
        return get(key).map(v -> parse(key, v, "a duration (500ms, 5s, 2m, PT5S)", Settings::duration)).orElse(dflt);
    }

    static Duration duration(String v) {
        Matcher m = DURATION.matcher(v);
        if (!m.matches()) {
            return Duration.parse(v);
        }
        long unitNanos = switch (m.group(2) == null ? "s" : m.group(2).toLowerCase(Locale.ROOT)) {
            case "ms" -> 1_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            case "d" -> 86_400_000_000_000L;
            default -> 1_000_000_000L;
        };
        return Duration.ofNanos(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unitNanos)).longValueExact());
    }

    private static <T> T parse(String key, String value, String what, Function<String, T> parser) {
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException | DateTimeParseException | ArithmeticException e) { // InvalidPathException is one too
            throw invalid(key, value, what);
        }
    }

    private static IllegalArgumentException invalid(String key, String value, String what) {
        return new IllegalArgumentException(key + ": '" + value + "' is not " + what);
    }
}
