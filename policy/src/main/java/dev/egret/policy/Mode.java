package dev.egret.policy;

/** Whether a policy blocks ({@code enforce}, the default) or only records what it would block ({@code audit}). */
public enum Mode {
    ENFORCE, AUDIT;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
