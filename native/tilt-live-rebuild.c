/*
 * tilt-live-rebuild: the `rebuild` client Tilt runs after every sync. It does what the Node client
 * (src/runtime/rebuild-client.ts) does for a plain `rebuild`, without starting the 95 MB single executable:
 * it sends {"op":"rebuild","restart":true} to the supervisor's control socket, writes each "log" message's
 * text to stdout, the final "result" message's summary to stderr, and exits with its exitCode.
 *
 * Anything else goes to the single executable next to this file (`tilt-live rebuild ARGS`): arguments
 * (--help, --no-restart), and a container with no supervisor listening (it then builds in-process).
 *
 * The server writes each message with JSON.stringify on one line: {"type":"log","text":"..."} and
 * {"type":"result",...,"exitCode":N,...,"summary":"..."}; this reads only those fields.
 *
 * Build: scripts/build.sh, with the flags in native/cflags (as the init).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* runtimePaths().socket in src/contract/context.ts; the unit test builds with its own. */
#ifndef TILT_LIVE_SOCKET
#define TILT_LIVE_SOCKET "/tmp/tilt-live/control.sock"
#endif
static const char SOCKET_PATH[] = TILT_LIVE_SOCKET;
static const char REQUEST[] = "{\"op\":\"rebuild\",\"restart\":true}\n";

/* Runs `tilt-live rebuild ARGS` from this binary's directory; returns only if that fails. */
static int exec_full_client(int argc, char **argv) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n < 0) {
    perror("tilt-live-rebuild: /proc/self/exe");
    return 70;
  }
  self[n] = '\0';
  char exe[PATH_MAX];
  snprintf(exe, sizeof exe, "%s/tilt-live", dirname(self));
  char **args = calloc((size_t)argc + 2, sizeof *args);
  if (!args) return 70;
  args[0] = "tilt-live";
  args[1] = "rebuild";
  for (int i = 1; i < argc; i++) args[i + 1] = argv[i];
  execv(exe, args);
  fprintf(stderr, "tilt-live-rebuild: cannot run %s: %s\n", exe, strerror(errno));
  return 70;
}

static void put_utf8(unsigned long cp, FILE *out) {
  if (cp < 0x80) {
    fputc((int)cp, out);
  } else if (cp < 0x800) {
    fputc((int)(0xC0 | (cp >> 6)), out);
    fputc((int)(0x80 | (cp & 0x3F)), out);
  } else if (cp < 0x10000) {
    fputc((int)(0xE0 | (cp >> 12)), out);
    fputc((int)(0x80 | ((cp >> 6) & 0x3F)), out);
    fputc((int)(0x80 | (cp & 0x3F)), out);
  } else {
    fputc((int)(0xF0 | (cp >> 18)), out);
    fputc((int)(0x80 | ((cp >> 12) & 0x3F)), out);
    fputc((int)(0x80 | ((cp >> 6) & 0x3F)), out);
    fputc((int)(0x80 | (cp & 0x3F)), out);
  }
}

static unsigned long hex4(const char *p) {
  char buf[5] = {p[0], p[1], p[2], p[3], 0};
  return strtoul(buf, NULL, 16);
}

/* Writes the JSON string value that follows `"key":"` in `line` to `out`, unescaped; 0 if the key is absent. */
static int write_string_field(const char *line, const char *key, FILE *out) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
  const char *p = strstr(line, pattern);
  if (!p) return 0;
  for (p += strlen(pattern); *p && *p != '"'; p++) {
    if (*p != '\\') {
      fputc(*p, out);
      continue;
    }
    switch (*++p) {
      case 'n': fputc('\n', out); break;
      case 't': fputc('\t', out); break;
      case 'r': fputc('\r', out); break;
      case 'b': fputc('\b', out); break;
      case 'f': fputc('\f', out); break;
      case 'u': {
        if (strlen(p + 1) < 4) return 1;
        unsigned long cp = hex4(p + 1);
        p += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && p[1] == '\\' && p[2] == 'u' && strlen(p + 3) >= 4) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (hex4(p + 3) - 0xDC00);
          p += 6;
        }
        put_utf8(cp, out);
        break;
      }
      case '\0': return 1;
      default: fputc(*p, out); /* \" \\ \/ */
    }
  }
  return 1;
}

static int int_field(const char *line, const char *key, int fallback) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\":", key);
  const char *p = strstr(line, pattern);
  return p ? atoi(p + strlen(pattern)) : fallback;
}

/* Handles one message; returns the exit code once the final message came, -1 before. */
static int handle(const char *line) {
  if (strncmp(line, "{\"type\":\"log\"", 13) == 0) {
    write_string_field(line, "text", stdout);
    fflush(stdout);
    return -1;
  }
  if (strncmp(line, "{\"type\":\"result\"", 16) == 0) {
    if (write_string_field(line, "summary", stderr)) fputc('\n', stderr);
    return int_field(line, "exitCode", 1);
  }
  fputs("ERROR: tilt-live failed unexpectedly: the supervisor answered: ", stderr);
  if (!write_string_field(line, "message", stderr)) fputs(line, stderr);
  fputc('\n', stderr);
  return 1;
}

int main(int argc, char **argv) {
  if (argc > 1) return exec_full_client(argc, argv);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  memcpy(addr.sun_path, SOCKET_PATH, sizeof SOCKET_PATH);
  if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    /* No supervisor: the single executable builds in-process and says so. */
    if (fd >= 0) close(fd);
    return exec_full_client(argc, argv);
  }
  if (write(fd, REQUEST, sizeof REQUEST - 1) != (ssize_t)(sizeof REQUEST - 1)) {
    perror("tilt-live-rebuild: write to the control socket");
    return 70;
  }
  size_t cap = 65536, len = 0;
  char *buf = malloc(cap);
  int code = -1;
  for (;;) {
    if (len + 4096 > cap) {
      cap *= 2;
      buf = realloc(buf, cap);
    }
    if (!buf) return 70;
    ssize_t n = read(fd, buf + len, cap - len - 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    len += (size_t)n;
    buf[len] = '\0';
    char *start = buf, *nl;
    while ((nl = memchr(start, '\n', len - (size_t)(start - buf))) != NULL) {
      *nl = '\0';
      if (*start) {
        int r = handle(start);
        if (r >= 0) code = r;
      }
      start = nl + 1;
    }
    len -= (size_t)(start - buf);
    memmove(buf, start, len);
  }
  if (code < 0) {
    fputs("ERROR: tilt-live failed unexpectedly: the supervisor closed the control connection without a result\n", stderr);
    return 1;
  }
  return code;
}
