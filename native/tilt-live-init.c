/*
 * tilt-live-init: a minimal init for the app container, put in front of the supervisor.
 *
 * Node as PID 1 reaps only the children it spawned itself (libuv waits for those pids), so orphaned
 * grandchildren would stay zombies. This program makes itself a child subreaper (it is the reaper anyway
 * when it runs as PID 1), runs argv[1..] as its one main child, forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT,
 * SIGUSR1 and SIGUSR2 to it, reaps every child that exits, and exits with the main child's status
 * (128 + signal number when a signal ended it).
 *
 * Build: gcc $(cat native/cflags) -o tilt-live-init native/tilt-live-init.c (scripts/build.sh; the tests use the same flags)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t main_child = 0;
static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

static void forward(int sig) {
  if (main_child > 0) kill(main_child, sig);
}

static int status_of(int st) {
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s <command> [args...]\n", argv[0]);
    return 2;
  }
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0 && getpid() != 1) {
    fprintf(stderr, "tilt-live-init: cannot become a child subreaper: %s\n", strerror(errno));
  }
  /* Block the forwarded signals until the handlers are in place, so none is lost around fork. */
  sigset_t block, old;
  sigemptyset(&block);
  for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) sigaddset(&block, forwarded[i]);
  sigprocmask(SIG_BLOCK, &block, &old);

  pid_t pid = fork();
  if (pid < 0) {
    fprintf(stderr, "tilt-live-init: fork: %s\n", strerror(errno));
    return 1;
  }
  if (pid == 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    execvp(argv[1], argv + 1);
    fprintf(stderr, "tilt-live-init: cannot run %s: %s\n", argv[1], strerror(errno));
    _exit(127);
  }
  main_child = pid;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = forward;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) sigaction(forwarded[i], &sa, NULL);
  sigprocmask(SIG_SETMASK, &old, NULL);

  for (;;) {
    int st;
    pid_t done = waitpid(-1, &st, 0);
    if (done < 0) {
      if (errno == EINTR) continue;
      fprintf(stderr, "tilt-live-init: waitpid: %s\n", strerror(errno));
      return 1;
    }
    if (done == pid) {
      while (waitpid(-1, NULL, WNOHANG) > 0) {} /* collect zombies that are already there */
      return status_of(st);
    }
  }
}
