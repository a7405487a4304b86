/*
 * tilt-live-sbom: stands in for `syft` during a rebuild inside a tilt-live container, and only there (the rebuild
 * puts a directory holding this program as `syft` first on the buildpacks' PATH: src/runtime/rebuild/rebuild-sbom.ts).
 *
 * Why: libpak-based buildpacks (maven, gradle, executable-jar, ...) run `syft scan -q -o FORMAT=PATH ... dir:DIR`
 * on every build for the image's SBOM, about a second of syft's start each. A rebuild exports no image, so nobody
 * reads those SBOMs; but libpak has no switch to skip them, and re-reads the CycloneDX file it asked for. This
 * writes, in a few milliseconds, a valid document of every requested format that describes the scanned
 * directory with no packages, and names itself as the tool that made it (no scan took place).
 *
 * Understood: `syft scan|packages [-q|--quiet] (-o|--output) FORMAT=PATH... [dir:]DIR`, FORMAT one of
 * cyclonedx-json, spdx-json, json / syft-json (an @VERSION suffix is taken as given). Anything else (another
 * command, flag, format or source, an output to stdout) goes to the real syft: the next `syft` on PATH.
 *
 * Build: scripts/build.sh, with the flags in native/cflags (as the init), -DTILT_LIVE_VERSION="...".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef TILT_LIVE_VERSION
#define TILT_LIVE_VERSION "dev"
#endif
#define TOOL "tilt-live-sbom"
#define NOTE "written by tilt-live in place of a syft scan during a live rebuild, which exports no image; no packages listed"
/* The syft JSON schema this document conforms to (every 16.x schema requires the same top-level fields). */
#define SYFT_SCHEMA "16.1.0"

enum format { CYCLONEDX, SPDX, SYFT };

struct output {
  enum format format;
  const char *path;
};

#define MAX_OUTPUTS 8

/* Runs the next `syft` on PATH that is not this program; returns only if there is none or it cannot start. */
static int exec_real_syft(char **argv) {
  struct stat self;
  if (stat("/proc/self/exe", &self) != 0) {
    perror(TOOL ": /proc/self/exe");
    return 70;
  }
  const char *path = getenv("PATH");
  char *dirs = strdup(path ? path : "");
  if (!dirs) return 70;
  for (char *save = NULL, *dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
    char candidate[PATH_MAX];
    struct stat st;
    if (snprintf(candidate, sizeof candidate, "%s/syft", dir) >= (int)sizeof candidate) continue;
    if (stat(candidate, &st) != 0 || !S_ISREG(st.st_mode) || access(candidate, X_OK) != 0) continue;
    if (st.st_dev == self.st_dev && st.st_ino == self.st_ino) continue;
    execv(candidate, argv);
    fprintf(stderr, TOOL ": cannot run %s: %s\n", candidate, strerror(errno));
    return 70;
  }
  fprintf(stderr, TOOL ": tilt-live's stand-in for syft only writes SBOM files of a directory scan "
                  "(syft scan -o cyclonedx-json|spdx-json|json=FILE dir:DIR), and no other syft is on PATH\n");
  return 70;
}

/* FORMAT[@VERSION]=PATH; false for anything this does not write. */
static int parse_output(char *arg, struct output *out) {
  char *eq = strchr(arg, '=');
  if (!eq || eq[1] == '\0') return 0;
  size_t len = (size_t)(eq - arg);
  char *at = memchr(arg, '@', len);
  if (at) len = (size_t)(at - arg);
  if (len == 14 && strncmp(arg, "cyclonedx-json", len) == 0) out->format = CYCLONEDX;
  else if (len == 9 && strncmp(arg, "spdx-json", len) == 0) out->format = SPDX;
  else if ((len == 4 && strncmp(arg, "json", len) == 0) || (len == 9 && strncmp(arg, "syft-json", len) == 0)) out->format = SYFT;
  else return 0;
  out->path = eq + 1;
  return 1;
}

static void put_json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
    else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
    else fputc(*p, f);
  }
  fputc('"', f);
}

static int write_cyclonedx(FILE *f, const char *dir, const char *uuid, const char *now) {
  fprintf(f, "{\"$schema\":\"http://cyclonedx.org/schema/bom-1.6.schema.json\",\"bomFormat\":\"CycloneDX\","
             "\"specVersion\":\"1.6\",\"serialNumber\":\"urn:uuid:%s\",\"version\":1,\"metadata\":{\"timestamp\":\"%s\","
             "\"tools\":{\"components\":[{\"type\":\"application\",\"author\":\"tilt-live\",\"name\":\"" TOOL "\","
             "\"version\":\"" TILT_LIVE_VERSION "\"}]},\"component\":{\"bom-ref\":\"tilt-live-scanned-directory\","
             "\"type\":\"file\",\"name\":",
          uuid, now);
  put_json_string(f, dir);
  return fprintf(f, "},\"properties\":[{\"name\":\"tilt-live:note\",\"value\":\"" NOTE "\"}]},\"components\":[]}\n");
}

static int write_spdx(FILE *f, const char *dir, const char *uuid, const char *now) {
  fprintf(f, "{\"spdxVersion\":\"SPDX-2.3\",\"dataLicense\":\"CC0-1.0\",\"SPDXID\":\"SPDXRef-DOCUMENT\",\"name\":");
  put_json_string(f, dir);
  fprintf(f, ",\"documentNamespace\":\"urn:uuid:%s\",\"creationInfo\":{\"creators\":[\"Organization: tilt-live\","
             "\"Tool: " TOOL "-" TILT_LIVE_VERSION "\"],\"created\":\"%s\",\"comment\":\"" NOTE "\"},"
             "\"packages\":[{\"name\":",
          uuid, now);
  put_json_string(f, dir);
  return fprintf(f, ",\"SPDXID\":\"SPDXRef-DocumentRoot-Directory\",\"downloadLocation\":\"NOASSERTION\","
                    "\"filesAnalyzed\":false,\"primaryPackagePurpose\":\"FILE\"}],\"relationships\":[{\"spdxElementId\":"
                    "\"SPDXRef-DOCUMENT\",\"relatedSpdxElement\":\"SPDXRef-DocumentRoot-Directory\","
                    "\"relationshipType\":\"DESCRIBES\"}]}\n");
}

static int write_syft(FILE *f, const char *dir, const char *uuid) {
  fprintf(f, "{\"artifacts\":[],\"artifactRelationships\":[],\"source\":{\"id\":\"%s\",\"name\":", uuid);
  put_json_string(f, dir);
  fprintf(f, ",\"version\":\"\",\"type\":\"directory\",\"metadata\":{\"path\":");
  put_json_string(f, dir);
  return fprintf(f, "}},\"distro\":{},\"descriptor\":{\"name\":\"" TOOL "\",\"version\":\"" TILT_LIVE_VERSION "\","
                    "\"configuration\":{\"note\":\"" NOTE "\"}},\"schema\":{\"version\":\"" SYFT_SCHEMA "\","
                    "\"url\":\"https://raw.githubusercontent.com/anchore/syft/main/schema/json/schema-" SYFT_SCHEMA
                    ".json\"}}\n");
}

static int new_uuid(char out[37]) {
  unsigned char b[16];
  if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) return 0;
  b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
  b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
  snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
           b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return 1;
}

int main(int argc, char **argv) {
  struct output outputs[MAX_OUTPUTS];
  int count = 0;
  const char *dir = NULL;
  if (argc < 2 || (strcmp(argv[1], "scan") != 0 && strcmp(argv[1], "packages") != 0)) return exec_real_syft(argv);
  for (int i = 2; i < argc; i++) {
    char *arg = argv[i];
    if (strcmp(arg, "-q") == 0 || strcmp(arg, "--quiet") == 0) continue;
    char *value = NULL;
    if ((strcmp(arg, "-o") == 0 || strcmp(arg, "--output") == 0) && i + 1 < argc) value = argv[++i];
    else if (strncmp(arg, "--output=", 9) == 0) value = arg + 9;
    else if (strncmp(arg, "-o", 2) == 0 && arg[2] != '\0') value = arg + 2;
    if (value) {
      if (count == MAX_OUTPUTS || !parse_output(value, &outputs[count])) return exec_real_syft(argv);
      count++;
      continue;
    }
    if (arg[0] == '-' || dir) return exec_real_syft(argv);
    if (strncmp(arg, "dir:", 4) == 0) dir = arg + 4;
    else if (!strchr(arg, ':')) dir = arg;
    else return exec_real_syft(argv);
  }
  if (!dir || count == 0) return exec_real_syft(argv);

  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    fprintf(stderr, TOOL ": cannot scan %s: not a directory\n", dir);
    return 1;
  }
  char uuid[37], now[32];
  time_t t = time(NULL);
  struct tm tm;
  if (!new_uuid(uuid) || !gmtime_r(&t, &tm) || strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
    fprintf(stderr, TOOL ": no random bytes or clock: %s\n", strerror(errno));
    return 70;
  }
  for (int i = 0; i < count; i++) {
    FILE *f = fopen(outputs[i].path, "w");
    if (!f) {
      fprintf(stderr, TOOL ": cannot write %s: %s\n", outputs[i].path, strerror(errno));
      return 1;
    }
    int written = outputs[i].format == CYCLONEDX ? write_cyclonedx(f, dir, uuid, now)
                  : outputs[i].format == SPDX    ? write_spdx(f, dir, uuid, now)
                                                 : write_syft(f, dir, uuid);
    int failed = written < 0 || ferror(f);
    if (fclose(f) != 0 || failed) {
      fprintf(stderr, TOOL ": cannot write %s: %s\n", outputs[i].path, strerror(errno));
      return 1;
    }
  }
  return 0;
}
