/*
 * echod: the benchmark's TCP server. Listens on one or more loopback addresses; each listener either echoes what
 * it reads (e:ADDR:PORT) or discards it (s:ADDR:PORT, a sink for bulk transfers). Single-threaded, epoll.
 *
 *   echod e:127.0.0.1:7000 s:127.0.0.1:7001 ...
 *
 * Prints "ready" on stdout once every listener is bound. Runs until killed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_LISTENERS 64
#define KIND_LISTEN_ECHO 1
#define KIND_LISTEN_SINK 2
#define KIND_ECHO 3
#define KIND_SINK 4

static int kinds[1 << 20]; /* by fd */

static void die(const char *what) {
    perror(what);
    exit(1);
}

static int listen_on(const char *spec, int *kind) {
    char buf[128];
    snprintf(buf, sizeof buf, "%s", spec);
    if (buf[1] != ':' || (buf[0] != 'e' && buf[0] != 's')) {
        fprintf(stderr, "bad listener '%s' (want e:ADDR:PORT or s:ADDR:PORT)\n", spec);
        exit(2);
    }
    *kind = buf[0] == 'e' ? KIND_LISTEN_ECHO : KIND_LISTEN_SINK;
    char *addr = buf + 2;
    char *colon = strrchr(addr, ':');
    if (!colon) {
        fprintf(stderr, "bad listener '%s'\n", spec);
        exit(2);
    }
    *colon = 0;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(atoi(colon + 1))};
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
        fprintf(stderr, "bad address '%s'\n", addr);
        exit(2);
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) die("bind");
    if (listen(fd, 4096) < 0) die("listen");
    return fd;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: echod e:ADDR:PORT|s:ADDR:PORT ...\n");
        return 2;
    }
    int ep = epoll_create1(0);
    for (int i = 1; i < argc && i <= MAX_LISTENERS; i++) {
        int kind;
        int fd = listen_on(argv[i], &kind);
        kinds[fd] = kind;
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
    printf("ready\n");
    fflush(stdout);
    static char buf[256 * 1024];
    struct epoll_event evs[256];
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        if (n < 0 && errno == EINTR) continue;
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            int kind = kinds[fd];
            if (kind == KIND_LISTEN_ECHO || kind == KIND_LISTEN_SINK) {
                for (;;) {
                    int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK);
                    if (c < 0) break;
                    if (c >= (int)(sizeof kinds / sizeof kinds[0])) {
                        close(c);
                        continue;
                    }
                    int one = 1;
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    kinds[c] = kind == KIND_LISTEN_ECHO ? KIND_ECHO : KIND_SINK;
                    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
                }
                continue;
            }
            for (;;) {
                ssize_t r = read(fd, buf, sizeof buf);
                if (r > 0) {
                    if (kind == KIND_ECHO) {
                        ssize_t off = 0;
                        while (off < r) {
                            ssize_t w = write(fd, buf + off, r - off);
                            if (w < 0) {
                                if (errno == EAGAIN) continue; /* tiny echoes: the peer reads at once */
                                break;
                            }
                            off += w;
                        }
                    }
                    if (r < (ssize_t)sizeof buf) break;
                    continue;
                }
                if (r < 0 && (errno == EAGAIN || errno == EINTR)) break;
                kinds[fd] = 0;
                close(fd); /* EOF or error; close removes it from epoll */
                break;
            }
        }
    }
}
