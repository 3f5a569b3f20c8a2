/* wsl_net.c -- socket helpers and /proc reading for the load client. */
#include "wsl_net.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int
wsl_url_parse(const char *url, const char *path_default, struct sockaddr_in *addr,
              char *host, size_t host_size, char *path, size_t path_size)
{
    const char *p = url;
    if (strncmp(p, "ws://", 5) == 0)
        p += 5;
    else if (strncmp(p, "http://", 7) == 0)
        p += 7;
    const char *colon = strchr(p, ':');
    if (!colon || (size_t) (colon - p) >= 16)
        return -1;
    char ip[16];
    memcpy(ip, p, (size_t) (colon - p));
    ip[colon - p] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || port <= 0 || port > 65535)
        return -1;
    memset(addr, 0, sizeof *addr);
    addr->sin_family = AF_INET;
    addr->sin_port = htons((uint16_t) port);
    if (inet_pton(AF_INET, ip, &addr->sin_addr) != 1)
        return -1;
    int n = snprintf(host, host_size, "%s:%ld", ip, port);
    int m = snprintf(path, path_size, "%s", *end == '/' ? end : path_default);
    return (n < 0 || (size_t) n >= host_size || m < 0 || (size_t) m >= path_size) ? -1 : 0;
}

int
wsl_connect_nb(const struct sockaddr_in *addr)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    /* Requests and frames are small and latency is the figure: no Nagle delay. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (const struct sockaddr *) addr, sizeof *addr) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

int
wsl_send_all(int fd, const char *buf, size_t len)
{
    ssize_t n;
    do
        n = send(fd, buf, len, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n == (ssize_t) len ? 0 : -1;
}

int64_t
wsl_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

long
wsl_rss_kib(const char *pid_file)
{
    FILE *f = fopen(pid_file, "r");
    if (!f)
        return -1;
    long pid = -1;
    int ok = fscanf(f, "%ld", &pid);
    fclose(f);
    if (ok != 1 || pid <= 0)
        return -1;
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", pid);
    if (!(f = fopen(path, "r")))
        return -1;
    long kib = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}
