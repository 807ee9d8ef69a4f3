package dev.egret.policy;

/** Exactly one of an exact name ({@code matchName}) or a Cilium-style pattern ({@code matchPattern}). */
public record FqdnSelector(String matchName, String matchPattern) {

    public static FqdnSelector name(String n) {
        return new FqdnSelector(n, null);
    }

    public static FqdnSelector pattern(String p) {
        return new FqdnSelector(null, p);
    }

    /** The compiled matcher of this selector; throws IllegalArgumentException when invalid. */
    public NamePattern compile() {
        return matchName != null ? NamePattern.exact(matchName) : NamePattern.compile(matchPattern);
    }

    public String text() {
        return matchName != null ? matchName : matchPattern;
    }
}
