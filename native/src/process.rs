//! The process's own image: `processExec` replaces it in place with execve(2), for
//! cli/malloc-arenas.ts. glibc reads `GLIBC_TUNABLES` (the malloc arena limit) only when a program
//! starts, and a child process would outlive a `kill -9` of its parent; an exec keeps the PID, the
//! file descriptors and the parent, and only the new image sees the environment it is given.
//!
//! The strings arrive as runs of NUL-terminated bytes (JS strings cannot hold a NUL byte that a C
//! string could carry), so the pointers handed to execve point into the JS buffers for the call.
//!
//! Node marks the descriptors it inherited close-on-exec when it starts (stdin, stdout and stderr
//! among them), so the descriptors to keep are named and their flag cleared just before the exec,
//! and set again if it fails.

use crate::napi::{Call, KernelError, RawValue, Result};
use std::ffi::c_char;

/// Pointers to each NUL-terminated string of `block`, then the null pointer execve's lists end with.
/// The block must end with a NUL (an empty block is an empty list).
fn string_list(block: &[u8], what: &str) -> Result<Vec<*const c_char>> {
    if block.last().is_some_and(|&b| b != 0) {
        return Err(KernelError::Argument(format!("{what} must end with a NUL byte")));
    }
    let mut list = Vec::with_capacity(block.iter().filter(|&&b| b == 0).count() + 1);
    let mut start = 0;
    for (i, &b) in block.iter().enumerate() {
        if b == 0 {
            list.push(block[start..].as_ptr() as *const c_char);
            start = i + 1;
        }
    }
    list.push(std::ptr::null());
    Ok(list)
}

/// `(path, argv, env, keep)`: Uint8Arrays of NUL-terminated strings (`path` one) and an Int32Array
/// of the descriptors the new image keeps. Does not return when the exec succeeds; otherwise
/// returns the errno (ENOSYS where this is not Linux with glibc, the one place where the
/// environment variable it is for means anything).
pub fn process_exec(call: &Call) -> Result<RawValue> {
    let path = string_list(call.array::<u8>(0)?, "path")?;
    let argv = string_list(call.array::<u8>(1)?, "argv")?;
    let env = string_list(call.array::<u8>(2)?, "env")?;
    let keep = call.array::<i32>(3)?;
    if path.len() != 2 || argv.len() < 2 {
        return Err(KernelError::Argument("path must be one string and argv at least one".into()));
    }
    call.int32(exec(path[0], &argv, &env, keep))
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn exec(path: *const c_char, argv: &[*const c_char], env: &[*const c_char], keep: &[i32]) -> i32 {
    // SAFETY: fcntl on descriptor numbers only reads and sets their flags (a closed one fails).
    let cleared: Vec<(i32, i32)> = keep
        .iter()
        .filter_map(|&fd| {
            let flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
            (flags >= 0 && flags & libc::FD_CLOEXEC != 0 && unsafe { libc::fcntl(fd, libc::F_SETFD, flags & !libc::FD_CLOEXEC) } == 0).then_some((fd, flags))
        })
        .collect();
    // SAFETY: every pointer is a NUL-terminated string in a buffer borrowed for this call, and
    // both lists end with a null pointer (string_list).
    unsafe { libc::execve(path, argv.as_ptr(), env.as_ptr()) };
    let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EINVAL);
    for (fd, flags) in cleared {
        unsafe { libc::fcntl(fd, libc::F_SETFD, flags) };
    }
    errno
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn exec(_path: *const c_char, _argv: &[*const c_char], _env: &[*const c_char], _keep: &[i32]) -> i32 {
    38 // ENOSYS on Linux; the caller only tells success from failure
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn strings(block: &[u8]) -> Vec<String> {
        let list = string_list(block, "test").unwrap();
        assert!(list.last().unwrap().is_null());
        list[..list.len() - 1].iter().map(|&p| unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_owned()).collect()
    }

    #[test]
    fn splits_at_each_nul_and_ends_with_null() {
        assert_eq!(strings(b"node\0--import\0x.js\0\0last\0"), ["node", "--import", "x.js", "", "last"]);
        assert_eq!(strings(b""), Vec::<String>::new());
    }

    #[test]
    fn refuses_a_block_without_its_last_nul() {
        assert!(string_list(b"A=1\0B=2", "env").is_err());
    }

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn reports_the_errno_of_a_failed_exec_and_puts_the_flags_back() {
        let argv = string_list(b"x\0", "argv").unwrap();
        let env = string_list(b"", "env").unwrap();
        let mut fds = [0; 2];
        assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
        assert_eq!(exec(c"/nonexistent/segstream-exec".as_ptr(), &argv, &env, &[fds[0], -1]), libc::ENOENT);
        assert_eq!(unsafe { libc::fcntl(fds[0], libc::F_GETFD) } & libc::FD_CLOEXEC, libc::FD_CLOEXEC);
        unsafe { libc::close(fds[0]) };
        unsafe { libc::close(fds[1]) };
    }
}
