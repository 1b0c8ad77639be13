//! How many bytes the server has not read yet: its socket's receive queue, asked of the kernel
//! through `sock_diag` netlink (what `ss` shows as `Recv-Q`).
//!
//! This is what makes cuts on the wire exact rather than likely: before the harness writes the
//! next chunk it waits until the server's receive queue is empty, so that the server's next
//! `recv()` can return bytes of the next chunk only. A server that has not read a chunk when
//! the wait runs out gets the next one anyway, and the case says so (the cut was not
//! confirmed). The query names the one socket by its four addresses (no dump of the socket
//! table), so it costs one netlink round trip whatever else the machine runs.
//!
//! Linux only; elsewhere, or if the query fails, nothing is known and the harness waits the
//! whole gap instead.

use std::net::SocketAddr;

/// Asks the kernel for the receive queue of the TCP socket whose local address is `server`
/// and whose peer is `client`: the bytes the server has not read. `None` when the kernel
/// cannot say (not Linux, no such socket, netlink refused).
#[cfg(target_os = "linux")]
pub(crate) fn unread(server: SocketAddr, client: SocketAddr) -> Option<u32> {
    linux::unread(server, client)
}

/// Not Linux: nothing is known.
#[cfg(not(target_os = "linux"))]
pub(crate) fn unread(_server: SocketAddr, _client: SocketAddr) -> Option<u32> {
    None
}

#[cfg(target_os = "linux")]
mod linux {
    use std::net::{IpAddr, SocketAddr};

    const NETLINK_SOCK_DIAG: libc::c_int = 4;
    const SOCK_DIAG_BY_FAMILY: u16 = 20;
    const NLM_F_REQUEST: u16 = 1;
    const NLMSG_ERROR: u16 = 2;
    /// `sizeof(struct nlmsghdr)`.
    const NLMSG_HDR: usize = 16;
    /// `sizeof(struct inet_diag_req_v2)`.
    const REQ_LEN: usize = 56;
    /// Where `idiag_rqueue` sits in the answer: after the netlink header, four bytes of
    /// family/state/timer/retrans, the 48-byte socket id and `idiag_expires`.
    const RQUEUE_AT: usize = NLMSG_HDR + 4 + 48 + 4;

    /// `struct inet_diag_sockid`, in the kernel's byte order (ports and addresses big endian).
    fn sockid(out: &mut Vec<u8>, local: SocketAddr, peer: SocketAddr) {
        out.extend_from_slice(&local.port().to_be_bytes());
        out.extend_from_slice(&peer.port().to_be_bytes());
        for addr in [local.ip(), peer.ip()] {
            let mut bytes = [0u8; 16];
            match addr {
                IpAddr::V4(a) => bytes[..4].copy_from_slice(&a.octets()),
                IpAddr::V6(a) => bytes = a.octets(),
            }
            out.extend_from_slice(&bytes);
        }
        out.extend_from_slice(&0u32.to_ne_bytes()); // interface: any
        out.extend_from_slice(&[0xff; 8]); // INET_DIAG_NOCOOKIE
    }

    pub(super) fn unread(server: SocketAddr, client: SocketAddr) -> Option<u32> {
        let family = match server {
            SocketAddr::V4(_) => libc::AF_INET,
            SocketAddr::V6(_) => libc::AF_INET6,
        } as u8;
        let mut msg = Vec::with_capacity(NLMSG_HDR + REQ_LEN);
        msg.extend_from_slice(&((NLMSG_HDR + REQ_LEN) as u32).to_ne_bytes());
        msg.extend_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
        msg.extend_from_slice(&NLM_F_REQUEST.to_ne_bytes());
        msg.extend_from_slice(&1u32.to_ne_bytes()); // sequence
        msg.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel
        msg.extend_from_slice(&[family, libc::IPPROTO_TCP as u8, 0, 0]);
        msg.extend_from_slice(&u32::MAX.to_ne_bytes()); // every state
        sockid(&mut msg, server, client);
        debug_assert_eq!(msg.len(), NLMSG_HDR + REQ_LEN);
        // SAFETY: a netlink socket this function owns and closes; the buffers are valid for
        // the lengths passed.
        unsafe {
            let fd = libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
                NETLINK_SOCK_DIAG,
            );
            if fd < 0 {
                return None;
            }
            let tv = libc::timeval {
                tv_sec: 1,
                tv_usec: 0,
            };
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_RCVTIMEO,
                &tv as *const libc::timeval as *const libc::c_void,
                std::mem::size_of::<libc::timeval>() as libc::socklen_t,
            );
            let mut kernel: libc::sockaddr_nl = std::mem::zeroed();
            kernel.nl_family = libc::AF_NETLINK as libc::sa_family_t;
            let sent = libc::sendto(
                fd,
                msg.as_ptr() as *const libc::c_void,
                msg.len(),
                0,
                &kernel as *const libc::sockaddr_nl as *const libc::sockaddr,
                std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            );
            let mut answer = [0u8; 512];
            let got = if sent == msg.len() as isize {
                libc::recv(
                    fd,
                    answer.as_mut_ptr() as *mut libc::c_void,
                    answer.len(),
                    0,
                )
            } else {
                -1
            };
            libc::close(fd);
            if got < (RQUEUE_AT + 4) as isize {
                return None;
            }
            let kind = u16::from_ne_bytes([answer[4], answer[5]]);
            if kind != SOCK_DIAG_BY_FAMILY || kind == NLMSG_ERROR {
                return None;
            }
            let q = &answer[RQUEUE_AT..RQUEUE_AT + 4];
            Some(u32::from_ne_bytes([q[0], q[1], q[2], q[3]]))
        }
    }

    #[cfg(test)]
    mod tests {
        use std::io::{Read, Write};
        use std::net::{TcpListener, TcpStream};
        use std::time::{Duration, Instant};

        /// Bytes written and not yet read show in the reader's queue; reading them empties it.
        #[test]
        fn the_receive_queue_of_a_loopback_socket_counts_the_unread_bytes() {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
            let (mut server, _) = listener.accept().unwrap();
            let (s, c) = (server.local_addr().unwrap(), client.local_addr().unwrap());
            assert_eq!(super::unread(s, c), Some(0));
            client.write_all(b"hello").unwrap();
            let deadline = Instant::now() + Duration::from_secs(5);
            while super::unread(s, c) != Some(5) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            assert_eq!(super::unread(s, c), Some(5));
            let mut buf = [0u8; 16];
            assert_eq!(server.read(&mut buf).unwrap(), 5);
            assert_eq!(super::unread(s, c), Some(0));
        }

        #[test]
        fn a_socket_that_does_not_exist_is_unknown() {
            let a = "127.0.0.1:1".parse().unwrap();
            let b = "127.0.0.1:2".parse().unwrap();
            assert_eq!(super::unread(a, b), None);
        }
    }
}
