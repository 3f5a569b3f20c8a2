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
wsl_connect_nb(const struct sockaddr_in *addr, const struct in_addr *source)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (source) {
        /* The port is picked at connect, per destination: bind alone would reserve one of
         * the address's ephemeral ports for good. */
        int one = 1;
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        struct sockaddr_in local = { .sin_family = AF_INET, .sin_addr = *source };
        if (bind(fd, (const struct sockaddr *) &local, sizeof local) < 0) {
            close(fd);
            return -1;
        }
    }
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

/* The first word of PID_FILE, or -1. */
static long
s_pid_of(const char *pid_file)
{
    FILE *f = fopen(pid_file, "r");
    if (!f)
        return -1;
    long pid = -1;
    int ok = fscanf(f, "%ld", &pid);
    fclose(f);
    return ok == 1 && pid > 0 ? pid : -1;
}

long long
wsl_cpu_ticks(const char *pid_file)
{
    long pid = s_pid_of(pid_file);
    if (pid < 0)
        return -1;
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = '\0';
    /* Fields after the command (which may hold spaces): state is the 3rd, utime the 14th
     * and stime the 15th. */
    const char *p = strrchr(line, ')');
    unsigned long long ut, st;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st)
                  != 2)
        return -1;
    return (long long) (ut + st);
}

long
wsl_rss_kib(const char *pid_file)
{
    long pid = s_pid_of(pid_file);
    if (pid < 0)
        return -1;
    FILE *f;
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
