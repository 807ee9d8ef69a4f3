package dev.egret.controller.auth;

/** The authenticated caller of a request. */
public record Caller(String subject, Role role) {
}
