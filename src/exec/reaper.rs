//! Ending a program and everything it started, the descendants that left its process group
//! included, and reaping what ends up as this process's child.
//!
//! Contract: every program runs in a process group of its own ([`register_group`]), so killing
//! the group ends whatever stays in it, from any thread and from a signal handler
//! ([`kill_all`]). A descendant that calls `setsid()` (or `setpgid`) leaves the group, and a
//! group kill misses it: [`kill_tree`] also walks `/proc/PID/task/*/children` from the program
//! and kills every descendant it finds. A descendant whose parent is gone (the double fork of
//! a daemon, or the children of a program that crashed) is nobody's descendant any more: the
//! kernel hands it to the nearest *child subreaper* above it, or to init. After
//! [`become_subreaper`], that is this process, and [`reap_orphans`] kills and reaps every child
//! of this process that it did not start itself ([`spawn_noted`]), once no program of ours
//! runs.
//!
//! | function | what | when |
//! |---|---|---|
//! | [`become_subreaper`] | orphans of our programs become our children, not init's | once, first thing, by a binary that owns its process (`framecheck` does) |
//! | [`spawn_noted`], [`note_reaped`] | the registry of the children we started (a `Child` owns each) | at each spawn, and after its `Child::wait` |
//! | [`register_group`] / [`unregister_group`] | the process groups [`kill_all`] kills | at each spawn, and after its kill |
//! | [`kill_tree`] | stop the whole tree, then kill it all, then reap what became ours | to end one program |
//! | [`reap_orphans`] | kill and reap our children that we did not start, once none that we started runs | after each kill (so at the end of a run) |
//! | [`kill_all`] | kill every registered group (async-signal-safe) | in the handlers of [`kill_all_on_signals`] |
//!
//! # Why stop first
//!
//! A tree is killed in two passes: `SIGSTOP` to every process found, walking again until the
//! walk finds nothing new and every process found is stopped (a stopped process cannot fork),
//! and only then `SIGKILL` to all of them. Killing while walking would let a process that
//! forks in a loop keep one child ahead of the walk; killing a parent first would orphan its
//! children before they were seen.
//!
//! # Why this is safe only when the harness owns its process
//!
//! [`reap_orphans`] kills every child of this process that is not in the registry. A process
//! that has other children (a library user who runs commands of its own, a test binary whose
//! tests spawn processes in parallel) would see them killed and their exit statuses stolen:
//! such a process must not call [`become_subreaper`], and without it [`reap_orphans`] and the
//! reaping in [`kill_tree`] do nothing (no orphan can become our child then). The `framecheck`
//! binary owns its process: every child it starts goes through [`spawn_noted`]. `waitpid` is
//! only ever called on one pid that is not in the registry, never on `-1`, so a `Child` of
//! ours always reaps its own process.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

/// How many times a tree is walked, at most, looking for processes not yet stopped.
const WALK_ROUNDS: usize = 32;
/// How long the processes found may take to stop, for one tree.
const STOP_WAIT: Duration = Duration::from_millis(500);
/// How long the killed processes that became our children may take to die, for one tree.
const REAP_WAIT: Duration = Duration::from_secs(1);
/// How many times [`reap_orphans`] looks again for children it did not start.
const ORPHAN_ROUNDS: usize = 8;
const POLL: Duration = Duration::from_millis(2);

/// Whether [`become_subreaper`] succeeded: the reaping is done only then.
static SUBREAPER: AtomicBool = AtomicBool::new(false);

/// The pids of the children this process started, each owned by a `Child` (which reaps it).
/// Held while spawning and while reaping orphans, so that a child just forked is never taken
/// for an orphan.
static SPAWNED: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());

fn spawned() -> MutexGuard<'static, BTreeSet<u32>> {
    SPAWNED.lock().unwrap_or_else(|e| e.into_inner())
}

/// Makes this process a child subreaper (`prctl(PR_SET_CHILD_SUBREAPER)`, Linux): an orphan
/// among the descendants of the programs it runs (a daemon's double fork, the children of a
/// program that crashed) becomes its child rather than init's, so that the harness kills and
/// reaps it after each kill of a program, and so at the end of a run. Returns whether this
/// process is one now (always `false` off Linux). Idempotent.
///
/// Only for a binary that owns its process: afterwards, every child of this process that the
/// harness did not start itself is killed and reaped as an orphan, and its exit status is
/// lost. A library user who has children of its own must not call it; without it, the harness
/// reaps nothing but its own children. `framecheck` calls it first thing.
pub fn become_subreaper() -> bool {
    if SUBREAPER.load(Ordering::SeqCst) {
        return true;
    }
    #[cfg(target_os = "linux")]
    {
        // SAFETY: prctl(2) with integer arguments only; no memory is involved.
        let done = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1 as libc::c_ulong) } == 0;
        SUBREAPER.store(done, Ordering::SeqCst);
        done
    }
    #[cfg(not(target_os = "linux"))]
    false
}

/// Spawns `command` and notes its pid as ours in one step, so that a
/// [`reap_orphans`] on another thread cannot take it for an orphan in between.
pub(crate) fn spawn_noted(command: &mut Command) -> io::Result<Child> {
    let mut registry = spawned();
    let child = command.spawn()?;
    registry.insert(child.id());
    Ok(child)
}

/// Notes `pid` as a child this process started and reaps itself (through its `Child`): it is
/// never killed as an orphan nor reaped here. For the tests, which make children of their
/// own; the supervisors (the exec runner, the TCP server) spawn through [`spawn_noted`],
/// which cannot race.
#[cfg(test)]
pub(crate) fn note_spawned(pid: u32) {
    spawned().insert(pid);
}

/// Forgets `pid`, after its `Child::wait`.
pub(crate) fn note_reaped(pid: u32) {
    spawned().remove(&pid);
}

/// Kills the process `pid`, its process group (when it leads one) and every descendant,
/// including those that left the group or the session, robustly against descendants that fork
/// meanwhile (see [Why stop first](self#why-stop-first)). Then reaps, by pid and within a
/// second, those that became this process's children (only after [`become_subreaper`]).
///
/// `pid` itself is killed but not reaped: its `Child` reaps it. Nor is anything in the
/// registry of [`spawn_noted`].
pub(crate) fn kill_tree(pid: u32) {
    let registry = spawned();
    kill_tree_with(pid, false, &registry);
}

/// Kills and reaps every child of this process that it did not start (not in the registry of
/// [`spawn_noted`]), with its whole tree: the orphans handed to this process as a subreaper.
///
/// Does nothing unless [`become_subreaper`] succeeded (see the [module docs](self) for why),
/// nor while a child that this process started is still in the registry: an orphan cannot be
/// told apart from a helper that a live program daemonized on purpose (a server's workers),
/// so orphans are only ended once no program of ours runs, which is at each kill of the one
/// program of a run, and at its end. A supervisor must therefore [`note_reaped`] each child it
/// has waited for.
pub(crate) fn reap_orphans() {
    if !SUBREAPER.load(Ordering::SeqCst) {
        return;
    }
    let me = std::process::id();
    for _ in 0..ORPHAN_ROUNDS {
        let registry = spawned();
        if !registry.is_empty() {
            return;
        }
        let orphans: Vec<u32> = children(me)
            .into_iter()
            .filter(|p| !registry.contains(p))
            .collect();
        if orphans.is_empty() {
            return;
        }
        for orphan in orphans {
            kill_tree_with(orphan, true, &registry);
        }
    }
}

fn kill_tree_with(pid: u32, reap_root: bool, registry: &BTreeSet<u32>) {
    let Ok(root) = i32::try_from(pid) else {
        return;
    };
    // kill(0) and kill(-1) would signal far more than one tree.
    if root <= 1 {
        return;
    }
    // Only a group that `pid` leads is its own: another group in this session may hold this
    // process, or the shell that started it.
    let leads_group = stat(pid).is_some_and(|s| s.pgid == pid);
    if leads_group {
        signal(-root, libc::SIGSTOP);
    }
    let tree = stop_tree(pid);
    if leads_group {
        signal(-root, libc::SIGKILL);
    }
    for &p in &tree {
        signal(p as i32, libc::SIGKILL);
    }
    if !SUBREAPER.load(Ordering::SeqCst) {
        return;
    }
    let me = std::process::id();
    let mut left: Vec<u32> = tree
        .into_iter()
        .filter(|&p| (reap_root || p != pid) && !registry.contains(&p))
        .collect();
    let deadline = Instant::now() + REAP_WAIT;
    loop {
        // Wait for each one until this process has reaped it, or it is gone, or (a zombie of
        // a parent that is not dying) it is not ours to reap.
        left.retain(|&p| match stat(p) {
            None => false,
            Some(s) if s.ppid == me => {
                // SAFETY: waitpid(2) on one pid, our child, that no `Child` owns.
                unsafe { libc::waitpid(p as i32, std::ptr::null_mut(), libc::WNOHANG) != p as i32 }
            }
            Some(_) => true,
        });
        if left.is_empty() || Instant::now() >= deadline {
            return;
        }
        thread::sleep(POLL);
    }
}

/// Stops `pid` and every descendant, walking `/proc` again until no new process appears and
/// every one found is stopped (bounded), and returns them all, `pid` first.
fn stop_tree(pid: u32) -> Vec<u32> {
    let mut tree = vec![pid];
    let mut seen: BTreeSet<u32> = tree.iter().copied().collect();
    let mut stopped = 0;
    let deadline = Instant::now() + STOP_WAIT;
    for _ in 0..WALK_ROUNDS {
        for &p in &tree[stopped..] {
            signal(p as i32, libc::SIGSTOP);
        }
        stopped = tree.len();
        // A SIGSTOP takes effect when the process next runs: until then it may still fork.
        while !tree.iter().all(|&p| is_still(p)) && Instant::now() < deadline {
            thread::sleep(POLL);
        }
        let mut found = Vec::new();
        for &p in &tree {
            found.extend(children(p).into_iter().filter(|c| seen.insert(*c)));
        }
        if found.is_empty() {
            break;
        }
        tree.extend(found);
    }
    tree
}

/// The children of every thread of `pid`, from `/proc` (none without it).
fn children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for task in tasks.flatten() {
        let text = fs::read_to_string(task.path().join("children")).unwrap_or_default();
        out.extend(
            text.split_whitespace()
                .filter_map(|k| k.parse::<u32>().ok()),
        );
    }
    out
}

/// What `/proc/PID/stat` says of a process.
struct Stat {
    state: char,
    ppid: u32,
    pgid: u32,
}

fn stat(pid: u32) -> Option<Stat> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name, in parentheses, may hold spaces and parentheses: skip to the last one.
    let mut fields = text.get(text.rfind(')')? + 1..)?.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    let pgid = fields.next()?.parse().ok()?;
    Some(Stat { state, ppid, pgid })
}

/// Whether `pid` can fork no more: stopped, dead, or gone.
fn is_still(pid: u32) -> bool {
    stat(pid).is_none_or(|s| matches!(s.state, 'T' | 't' | 'Z' | 'X' | 'x'))
}

fn signal(pid: i32, sig: libc::c_int) {
    // SAFETY: kill(2) touches no memory; callers never pass 0 or -1.
    unsafe {
        libc::kill(pid, sig);
    }
}

/// Process groups of the programs alive now, for [`kill_all`].
static LIVE_GROUPS: [AtomicU64; 64] = [const { AtomicU64::new(0) }; 64];

/// Registers the process group `pgid` (of a program just started, which leads it) for
/// [`kill_all`], so that a signal that ends this process ends the program too.
pub(crate) fn register_group(pgid: u32) {
    for slot in &LIVE_GROUPS {
        if slot
            .compare_exchange(0, u64::from(pgid), Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            return;
        }
    }
}

/// Forgets the process group `pgid`, once its program is killed.
pub(crate) fn unregister_group(pgid: u32) {
    for slot in &LIVE_GROUPS {
        let _ = slot.compare_exchange(u64::from(pgid), 0, Ordering::SeqCst, Ordering::SeqCst);
    }
}

/// Kills every program this process started and has not stopped yet (their whole process
/// groups). Async-signal-safe: a SIGINT or SIGTERM handler may call it, so that an
/// interrupted run leaves no program behind. (A descendant that left its program's group is
/// not reached: finding it means walking `/proc`, which allocates, and a signal handler must
/// not.)
pub fn kill_all() {
    for slot in &LIVE_GROUPS {
        let pgid = slot.load(Ordering::SeqCst);
        if pgid != 0 {
            // SAFETY: kill(2) is async-signal-safe and touches no memory.
            unsafe {
                libc::kill(-(pgid as i32), libc::SIGKILL);
            }
        }
    }
}

/// Installs handlers for SIGINT, SIGTERM and SIGHUP that kill the programs under test (each
/// runs in its own process group, which a terminal's Ctrl-C does not reach) and then exit with
/// status 128 + the signal. For a binary that runs programs: `framecheck` calls it first thing.
pub fn kill_all_on_signals() {
    extern "C" fn on_signal(sig: libc::c_int) {
        kill_all();
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(128 + sig) }
    }
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: installs a handler that only calls async-signal-safe functions.
        unsafe {
            libc::signal(sig, on_signal as *const () as libc::sighandler_t);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    use super::*;

    /// The pid and start time of each descendant of `pid`: together, one process and no
    /// later one that got the same pid.
    fn descendants(pid: u32) -> Vec<(u32, String)> {
        let mut out = Vec::new();
        let mut todo = children(pid);
        while let Some(p) = todo.pop() {
            todo.extend(children(p));
            if let Some(start) = start_time(p) {
                out.push((p, start));
            }
        }
        out
    }

    fn start_time(pid: u32) -> Option<String> {
        let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let after_name = text.get(text.rfind(')')? + 1..)?;
        after_name.split_whitespace().nth(19).map(str::to_string)
    }

    /// Whether that process still runs (a zombie has ended).
    fn runs(&(pid, ref start): &(u32, String)) -> bool {
        start_time(pid).as_ref() == Some(start) && stat(pid).is_some_and(|s| s.state != 'Z')
    }

    fn within(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
        let deadline = Instant::now() + limit;
        while !done() {
            if Instant::now() >= deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(10));
        }
        true
    }

    #[test]
    fn kill_tree_ends_a_descendant_that_left_the_process_group() {
        let mut sh = spawn_noted(
            Command::new("sh")
                .args(["-c", "setsid sleep 60 & sleep 60; :"])
                .process_group(0),
        )
        .unwrap();
        let root = sh.id();
        // Both sleeps started, one of them in a session (and a group) of its own.
        let escaped = || {
            descendants(root)
                .iter()
                .any(|&(p, _)| stat(p).is_some_and(|s| s.pgid != root))
        };
        let started = within(Duration::from_secs(10), || {
            escaped() && descendants(root).len() >= 2
        });
        let tree = descendants(root);
        kill_tree(root);
        let status = sh.wait().unwrap();
        note_reaped(root);
        assert!(started, "the tree did not start: {tree:?}");
        assert_eq!(status.signal(), Some(libc::SIGKILL));
        // Not a subreaper here: the killed sleeps are init's to reap, so zombies may linger.
        let gone = within(Duration::from_secs(5), || !tree.iter().any(runs));
        let left: Vec<_> = tree.iter().filter(|p| runs(p)).cloned().collect();
        for &(p, _) in &left {
            signal(p as i32, libc::SIGKILL);
        }
        assert!(gone, "still running after kill_tree: {left:?}");
    }

    /// The pids of the processes that run `sleep MARK` (zombies have no command line).
    fn running(mark: &str) -> Vec<u32> {
        let wanted = format!("sleep\0{mark}\0");
        let mut out = Vec::new();
        for entry in fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let cmdline = fs::read(entry.path().join("cmdline")).unwrap_or_default();
            if cmdline == wanted.as_bytes() && stat(pid).is_some_and(|s| s.state != 'Z') {
                out.push(pid);
            }
        }
        out
    }

    #[test]
    fn kill_tree_ends_every_sleep_of_a_session_leader_that_forks_in_a_loop() {
        // A shell in a session of its own forks sleeps in a loop (200 at most), and the tree is
        // killed while it does: none of them may survive, not even one forked mid-kill.
        let mark = format!("60.{}", std::process::id());
        let script = format!(
            "setsid sh -c 'i=0; while [ $i -lt 200 ]; do sleep {mark} & i=$((i+1)); done; wait' \
             & sleep {mark}; :"
        );
        let mut sh =
            spawn_noted(Command::new("sh").args(["-c", &script]).process_group(0)).unwrap();
        let root = sh.id();
        let forking = within(Duration::from_secs(10), || running(&mark).len() >= 20);
        kill_tree(root);
        sh.wait().unwrap();
        note_reaped(root);
        let gone = within(Duration::from_secs(5), || running(&mark).is_empty());
        let left = running(&mark);
        for &p in &left {
            signal(p as i32, libc::SIGKILL);
        }
        assert!(forking, "the loop did not start");
        assert!(gone, "{} sleep(s) outlived kill_tree: {left:?}", left.len());
    }

    /// Set in the process that runs the subreaper test on its own.
    const ALONE: &str = "FRAMECHECK_REAPER_TEST_ALONE";

    /// A subreaper reaps every child of its process: this test runs in a process of its own
    /// (this test binary again, for this one test), where no other test's children are.
    #[test]
    fn reap_orphans_ends_an_orphan_once_no_child_we_spawned_runs() {
        let name = "exec::reaper::tests::reap_orphans_ends_an_orphan_once_no_child_we_spawned_runs";
        if std::env::var_os(ALONE).is_none() {
            let mut alone = Command::new(std::env::current_exe().unwrap())
                .args([name, "--exact", "--nocapture", "--test-threads=1"])
                .env(ALONE, "1")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let ended = within(Duration::from_secs(60), || {
                matches!(alone.try_wait(), Ok(Some(_)))
            });
            if !ended {
                let _ = alone.kill();
            }
            let out = alone.wait_with_output().unwrap();
            let text = String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr);
            assert!(
                ended && out.status.success() && text.contains("1 passed"),
                "{text}"
            );
            return;
        }
        assert!(become_subreaper());
        assert!(become_subreaper(), "idempotent");
        let me = std::process::id();
        // A child of ours, noted after the spawn (nothing reaps in between in this process).
        let mut own = Command::new("sleep").arg("60").spawn().unwrap();
        note_spawned(own.id());
        // `sh` starts a sleep in a session of its own, which says its pid, and exits at once:
        // the sleep is an orphan, handed to this process.
        let mut sh = spawn_noted(
            Command::new("sh")
                .args(["-c", "setsid sh -c 'echo $$; exec sleep 60' &"])
                .stdout(Stdio::piped()),
        )
        .unwrap();
        let mut line = String::new();
        BufReader::new(sh.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let orphan: u32 = line.trim().parse().unwrap();
        sh.wait().unwrap();
        note_reaped(sh.id());
        let adopted = within(Duration::from_secs(5), || {
            stat(orphan).is_some_and(|s| s.ppid == me)
        });
        // While a child of ours runs, the orphan may be its helper: both are left alone.
        reap_orphans();
        let own_runs = matches!(own.try_wait(), Ok(None));
        let orphan_waits = stat(orphan).is_some_and(|s| s.state != 'Z');
        let _ = own.kill();
        let _ = own.wait();
        note_reaped(own.id());
        // Now none runs: the orphan is killed and reaped (no zombie left).
        reap_orphans();
        let reaped = stat(orphan).is_none();
        if !reaped {
            signal(orphan as i32, libc::SIGKILL);
        }
        assert!(
            adopted,
            "the orphan {orphan} was not handed to this process"
        );
        assert!(
            own_runs,
            "a child we spawned was killed or reaped as an orphan"
        );
        assert!(
            orphan_waits,
            "the orphan {orphan} was killed while a child of ours ran"
        );
        assert!(
            reaped,
            "the orphan {orphan} is still there (running or a zombie)"
        );
    }
}
