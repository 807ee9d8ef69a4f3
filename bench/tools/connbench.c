/*
 * connbench: the benchmark's load generator for connections. Prints one JSON object on stdout.
 *
 *   connbench conn -t ADDR:PORT [-x PROXY:PORT] -d SECONDS
 *       sequential connect, one-byte echo, close; through an HTTP CONNECT proxy with -x
 *   connbench bulk -t ADDR:PORT [-x PROXY:PORT] -d SECONDS [-b BYTES]
 *       one connection, writes as fast as it can for SECONDS (to a sink)
 *   connbench rtc -s ADDR:PORT -f NAMES -n LOOPS [-d MAXSECONDS] [-P PORT] [-R]
 *       resolve a name over UDP (an A query to ADDR:PORT), then TCP-connect to the answer's first address on PORT;
 *       counts first connects refused by policy (EPERM). Without a listener the kernel answers ECONNREFUSED, which
 *       proves the connect was let through; a SYN dropped by a firewall shows as no answer within 200 ms.
 *       -R: resolve only (fills the learned map), no connect.
 *   connbench deny -t ADDR:PORT -d SECONDS [-r RATE]
 *       connects that the policy denies, as fast as possible or at RATE per second; counts EPERM
 *   connbench until -t ADDR:PORT -d SECONDS [-i MICROS]
 *       connects every MICROS (default 500) while they fail with EPERM; prints "denied" after the first refusal,
 *       then the CLOCK_MONOTONIC time of the first connect let through (ECONNREFUSED or success)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SAMPLES (4u << 20)

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

typedef struct {
    uint32_t *v; /* nanoseconds, capped at 4.29 s */
    size_t n;
} samples;

static void add(samples *s, uint64_t ns) {
    if (!s->v) s->v = malloc(sizeof(uint32_t) * MAX_SAMPLES);
    if (s->n < MAX_SAMPLES) s->v[s->n++] = ns > 0xffffffffull ? 0xffffffffu : (uint32_t)ns;
}

static int cmp32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void print_lat(const char *key, samples *s) {
    if (s->n == 0) {
        printf("\"%s\":null", key);
        return;
    }
    qsort(s->v, s->n, sizeof(uint32_t), cmp32);
    double sum = 0;
    for (size_t i = 0; i < s->n; i++) sum += s->v[i];
#define PCT(p) (s->v[(size_t)((p) / 100.0 * (s->n - 1) + 0.5)] / 1000.0)
    printf("\"%s\":{\"n\":%zu,\"mean\":%.3f,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f}", key, s->n,
           sum / s->n / 1000.0, PCT(50), PCT(90), PCT(99), s->v[s->n - 1] / 1000.0);
}

/* errno counters, printed as {"EPERM":n,...} */
static long err_counts[256];
static void count_err(int e) { err_counts[e & 255]++; }
static void print_errors(void) {
    printf("\"errors\":{");
    int first = 1;
    for (int e = 0; e < 256; e++) {
        if (!err_counts[e]) continue;
        const char *name = strerrorname_np(e);
        printf("%s\"%s\":%ld", first ? "" : ",", name ? name : "other", err_counts[e]);
        first = 0;
    }
    printf("}");
}

static struct sockaddr_in parse_addr(const char *s) {
    char buf[128];
    snprintf(buf, sizeof buf, "%s", s);
    char *colon = strrchr(buf, ':');
    struct sockaddr_in sa = {.sin_family = AF_INET};
    if (!colon) {
        fprintf(stderr, "want ADDR:PORT, not '%s'\n", s);
        exit(2);
    }
    *colon = 0;
    sa.sin_port = htons(atoi(colon + 1));
    if (inet_pton(AF_INET, buf, &sa.sin_addr) != 1) {
        fprintf(stderr, "bad address '%s'\n", buf);
        exit(2);
    }
    return sa;
}

/* Connects to target, directly or through an HTTP CONNECT proxy. Returns the fd, or -errno. */
static int open_conn(const struct sockaddr_in *target, const struct sockaddr_in *proxy, const char *target_text) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -errno;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const struct sockaddr_in *to = proxy ? proxy : target;
    if (connect(fd, (const struct sockaddr *)to, sizeof *to) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    if (proxy) {
        char req[256];
        int len = snprintf(req, sizeof req, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", target_text, target_text);
        if (write(fd, req, len) != len) {
            close(fd);
            return -EPROTO;
        }
        char resp[1024];
        size_t got = 0;
        while (got < sizeof resp - 1) {
            ssize_t r = read(fd, resp + got, sizeof resp - 1 - got);
            if (r <= 0) {
                close(fd);
                return -ECONNRESET;
            }
            got += r;
            resp[got] = 0;
            if (strstr(resp, "\r\n\r\n")) break;
        }
        if (strncmp(resp + 8, " 200", 4) != 0) {
            close(fd);
            return -EACCES; /* the proxy refused (its allow list) */
        }
    }
    return fd;
}

static int mode_conn(const char *target_s, const char *proxy_s, double seconds) {
    struct sockaddr_in target = parse_addr(target_s), proxy;
    if (proxy_s) proxy = parse_addr(proxy_s);
    samples lat = {0};
    long ok = 0, failed = 0, streak = 0;
    uint64_t start = now_ns(), end = start + (uint64_t)(seconds * 1e9), t;
    while ((t = now_ns()) < end) {
        int fd = open_conn(&target, proxy_s ? &proxy : NULL, target_s);
        int e = 0;
        if (fd < 0) {
            e = -fd;
        } else {
            char c = 'x';
            if (write(fd, &c, 1) != 1 || read(fd, &c, 1) != 1) e = errno ? errno : EPROTO;
            close(fd);
        }
        if (e) {
            count_err(e);
            failed++;
            if (++streak > 1000) break;
            continue;
        }
        streak = 0;
        ok++;
        add(&lat, now_ns() - t);
    }
    double el = (now_ns() - start) / 1e9;
    printf("{\"mode\":\"conn\",\"ok\":%ld,\"failed\":%ld,\"seconds\":%.3f,\"rate\":%.1f,", ok, failed, el, ok / el);
    print_lat("lat_us", &lat);
    printf(",");
    print_errors();
    printf("}\n");
    return ok > 0 ? 0 : 1;
}

static int mode_bulk(const char *target_s, const char *proxy_s, double seconds, size_t chunk) {
    struct sockaddr_in target = parse_addr(target_s), proxy;
    if (proxy_s) proxy = parse_addr(proxy_s);
    int fd = open_conn(&target, proxy_s ? &proxy : NULL, target_s);
    if (fd < 0) {
        count_err(-fd);
        printf("{\"mode\":\"bulk\",\"bytes\":0,\"seconds\":0,\"gbit_per_s\":0,");
        print_errors();
        printf("}\n");
        return 1;
    }
    char *buf = calloc(1, chunk);
    uint64_t bytes = 0, start = now_ns(), end = start + (uint64_t)(seconds * 1e9);
    while (now_ns() < end) {
        ssize_t w = write(fd, buf, chunk);
        if (w <= 0) {
            count_err(errno);
            break;
        }
        bytes += w;
    }
    double el = (now_ns() - start) / 1e9;
    close(fd);
    printf("{\"mode\":\"bulk\",\"bytes\":%llu,\"seconds\":%.3f,\"gbit_per_s\":%.3f,", (unsigned long long)bytes, el,
           bytes * 8 / el / 1e9);
    print_errors();
    printf("}\n");
    return 0;
}

/* ---- DNS ---- */

static int build_query(uint8_t *q, uint16_t id, const char *name) {
    int n = 0;
    q[n++] = id >> 8;
    q[n++] = id & 0xff;
    q[n++] = 0x01; /* RD */
    q[n++] = 0x00;
    q[n++] = 0;
    q[n++] = 1; /* QDCOUNT */
    memset(q + n, 0, 6);
    n += 6;
    const char *p = name;
    while (*p) {
        const char *dot = strchr(p, '.');
        int len = dot ? (int)(dot - p) : (int)strlen(p);
        if (len == 0) break;
        q[n++] = len;
        memcpy(q + n, p, len);
        n += len;
        p += len + (dot ? 1 : 0);
    }
    q[n++] = 0;
    q[n++] = 0;
    q[n++] = 1; /* A */
    q[n++] = 0;
    q[n++] = 1; /* IN */
    return n;
}

static int skip_name(const uint8_t *m, int len, int off) {
    while (off < len) {
        uint8_t l = m[off];
        if (l == 0) return off + 1;
        if ((l & 0xc0) == 0xc0) return off + 2;
        off += l + 1;
    }
    return -1;
}

/* rcode, or -1 for a malformed answer; *addr gets the first A record (0 when none). */
static int parse_answer(const uint8_t *m, int len, uint16_t id, uint32_t *addr) {
    *addr = 0;
    if (len < 12 || ((m[0] << 8) | m[1]) != id) return -1;
    int rcode = m[3] & 0x0f;
    int qd = (m[4] << 8) | m[5], an = (m[6] << 8) | m[7];
    int off = 12;
    for (int i = 0; i < qd; i++) {
        off = skip_name(m, len, off);
        if (off < 0) return -1;
        off += 4;
    }
    for (int i = 0; i < an && off < len; i++) {
        off = skip_name(m, len, off);
        if (off < 0 || off + 10 > len) return -1;
        int type = (m[off] << 8) | m[off + 1];
        int rdlen = (m[off + 8] << 8) | m[off + 9];
        off += 10;
        if (type == 1 && rdlen == 4 && off + 4 <= len) {
            memcpy(addr, m + off, 4);
            return rcode;
        }
        off += rdlen;
    }
    return rcode;
}

static char **read_names(const char *file, size_t *count) {
    FILE *f = fopen(file, "r");
    if (!f) {
        perror(file);
        exit(2);
    }
    size_t cap = 1024, n = 0;
    char **names = malloc(cap * sizeof(char *));
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char *sp = strpbrk(line, " \t\r\n");
        if (sp) *sp = 0;
        if (!line[0]) continue;
        if (n == cap) names = realloc(names, (cap *= 2) * sizeof(char *));
        names[n++] = strdup(line);
    }
    fclose(f);
    *count = n;
    return names;
}

static int mode_rtc(const char *server_s, const char *names_file, long loops, double seconds, int port,
                    int resolve_only) {
    struct sockaddr_in server = parse_addr(server_s);
    size_t nnames;
    char **names = read_names(names_file, &nnames);
    if (nnames == 0) {
        fprintf(stderr, "no names in %s\n", names_file);
        return 2;
    }
    int us = socket(AF_INET, SOCK_DGRAM, 0);
    if (connect(us, (struct sockaddr *)&server, sizeof server) < 0) {
        perror("connect (udp)");
        return 1;
    }
    samples rlat = {0}, clat = {0};
    long connected = 0, eperm = 0, dropped = 0, other = 0, dns_timeout = 0, dns_error = 0, no_addr = 0;
    uint16_t id = (uint16_t)getpid();
    uint64_t start = now_ns(), end = start + (uint64_t)(seconds * 1e9);
    long i;
    for (i = 0; i < loops && now_ns() < end; i++) {
        uint8_t q[512], a[4096];
        id++;
        int qlen = build_query(q, id, names[i % nnames]);
        uint64_t t0 = now_ns();
        if (send(us, q, qlen, 0) != qlen) {
            dns_error++;
            continue;
        }
        int rc = -1, alen = 0;
        uint32_t addr = 0;
        for (;;) {
            struct pollfd p = {.fd = us, .events = POLLIN};
            if (poll(&p, 1, 2000) <= 0) break;
            alen = recv(us, a, sizeof a, 0);
            if (alen <= 0) break;
            rc = parse_answer(a, alen, id, &addr);
            if (rc != -1) break; /* -1: a late answer to an earlier query; keep waiting */
        }
        uint64_t t1 = now_ns();
        if (rc < 0) {
            dns_timeout++;
            continue;
        }
        if (rc != 0) {
            dns_error++;
            continue;
        }
        add(&rlat, t1 - t0);
        if (!addr) {
            no_addr++;
            continue;
        }
        if (resolve_only) continue;
        struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
        memcpy(&to.sin_addr, &addr, 4);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        int r = connect(fd, (struct sockaddr *)&to, sizeof to);
        int e = r < 0 ? errno : 0;
        if (e == EINPROGRESS) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            if (poll(&p, 1, 200) == 1) {
                socklen_t sl = sizeof e;
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl);
            } else {
                e = ETIMEDOUT; /* a firewall that drops the SYN */
            }
        }
        close(fd);
        add(&clat, now_ns() - t1);
        if (e == 0 || e == ECONNREFUSED) {
            connected++;
        } else if (e == EPERM) {
            eperm++;
        } else if (e == ETIMEDOUT) {
            dropped++;
        } else {
            count_err(e);
            other++;
        }
    }
    double el = (now_ns() - start) / 1e9;
    printf("{\"mode\":\"%s\",\"loops\":%ld,\"seconds\":%.3f,\"rate\":%.1f,\"connected\":%ld,"
           "\"failed_first_connects\":%ld,\"eperm\":%ld,\"dropped\":%ld,"
           "\"other_connect_errors\":%ld,\"dns_timeouts\":%ld,\"dns_errors\":%ld,\"no_address\":%ld,",
           resolve_only ? "resolve" : "rtc", i, el, i / el, connected, eperm + dropped, eperm, dropped, other,
           dns_timeout, dns_error, no_addr);
    print_lat("resolve_us", &rlat);
    printf(",");
    print_lat("connect_us", &clat);
    printf(",");
    print_errors();
    printf("}\n");
    return 0;
}

static int mode_deny(const char *target_s, double seconds, double rate) {
    struct sockaddr_in target = parse_addr(target_s);
    long attempts = 0, eperm = 0, allowed = 0;
    uint64_t start = now_ns(), end = start + (uint64_t)(seconds * 1e9), t;
    while ((t = now_ns()) < end) {
        if (rate > 0) {
            uint64_t due = start + (uint64_t)(attempts / rate * 1e9);
            if (due > t) {
                struct timespec ts = {.tv_sec = (due - t) / 1000000000ull, .tv_nsec = (due - t) % 1000000000ull};
                nanosleep(&ts, NULL);
            }
        }
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        int r = connect(fd, (struct sockaddr *)&target, sizeof target);
        int e = r < 0 ? errno : 0;
        close(fd);
        attempts++;
        if (e == EPERM) eperm++;
        else if (e == 0 || e == ECONNREFUSED) allowed++;
        else count_err(e);
    }
    double el = (now_ns() - start) / 1e9;
    printf("{\"mode\":\"deny\",\"attempts\":%ld,\"eperm\":%ld,\"allowed\":%ld,\"seconds\":%.3f,\"rate\":%.1f,",
           attempts, eperm, allowed, el, attempts / el);
    print_errors();
    printf("}\n");
    return 0;
}

static int mode_until(const char *target_s, double seconds, long interval_us) {
    struct sockaddr_in target = parse_addr(target_s);
    long attempts = 0;
    int said = 0;
    uint64_t start = now_ns(), end = start + (uint64_t)(seconds * 1e9), t;
    while ((t = now_ns()) < end) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        int r = connect(fd, (struct sockaddr *)&target, sizeof target);
        int e = r < 0 ? errno : 0;
        uint64_t at = now_ns();
        close(fd);
        attempts++;
        if (e == EPERM) {
            if (!said) {
                printf("denied\n");
                fflush(stdout);
                said = 1;
            }
            struct timespec ts = {.tv_sec = 0, .tv_nsec = interval_us * 1000};
            nanosleep(&ts, NULL);
            continue;
        }
        if (e != 0 && e != ECONNREFUSED) {
            count_err(e);
            continue;
        }
        printf("{\"mode\":\"until\",\"allowed_at_ns\":%llu,\"attempts\":%ld,\"was_denied\":%s}\n",
               (unsigned long long)at, attempts, said ? "true" : "false");
        return 0;
    }
    printf("{\"mode\":\"until\",\"allowed_at_ns\":null,\"attempts\":%ld,", attempts);
    print_errors();
    printf("}\n");
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: connbench conn|bulk|rtc|deny [options] (see the source)\n");
        return 2;
    }
    const char *mode = argv[1], *target = NULL, *proxy = NULL, *server = NULL, *names = NULL;
    double seconds = 5, rate = 0;
    long loops = 1000, chunk = 128 * 1024, interval_us = 500;
    int port = 9, resolve_only = 0, opt;
    optind = 2;
    while ((opt = getopt(argc, argv, "t:x:d:b:s:f:n:P:Rr:i:")) != -1) {
        switch (opt) {
        case 't': target = optarg; break;
        case 'x': proxy = optarg; break;
        case 'd': seconds = atof(optarg); break;
        case 'b': chunk = atol(optarg); break;
        case 's': server = optarg; break;
        case 'f': names = optarg; break;
        case 'n': loops = atol(optarg); break;
        case 'P': port = atoi(optarg); break;
        case 'R': resolve_only = 1; break;
        case 'r': rate = atof(optarg); break;
        case 'i': interval_us = atol(optarg); break;
        default: return 2;
        }
    }
    if (!strcmp(mode, "conn") && target) return mode_conn(target, proxy, seconds);
    if (!strcmp(mode, "bulk") && target) return mode_bulk(target, proxy, seconds, chunk);
    if (!strcmp(mode, "rtc") && server && names) return mode_rtc(server, names, loops, seconds, port, resolve_only);
    if (!strcmp(mode, "deny") && target) return mode_deny(target, seconds, rate);
    if (!strcmp(mode, "until") && target) return mode_until(target, seconds, interval_us);
    fprintf(stderr, "connbench: missing or unknown arguments for mode '%s'\n", mode);
    return 2;
}
