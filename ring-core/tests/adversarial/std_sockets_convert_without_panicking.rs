//! **Rule: bad input never panics: a typed error says what was wrong.**
//! Converting a std socket with the current runtime's driver used to be a
//! `From` that panicked outside `Runtime::block_on`; it is a `TryFrom`
//! whose error (`net::NoRuntime`) gives the socket back.

use ring_core::net::{TcpListener, TcpStream};
use ring_core::Runtime;

fn pair() -> (std::net::TcpListener, std::net::TcpStream) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let s = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
    (l, s)
}

/// Rule: outside a runtime, the conversion is an error holding the socket.
#[test]
fn outside_a_runtime_the_socket_comes_back_in_the_error() {
    let (l, s) = pair();
    let addr = s.local_addr().unwrap();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| TcpStream::try_from(s)));
    let e = r.expect("converting a std stream outside a runtime panicked").unwrap_err();
    assert!(e.to_string().contains("from_std"), "{e}");
    assert_eq!(e.into_inner().local_addr().unwrap(), addr, "the stream comes back");
    let laddr = l.local_addr().unwrap();
    let e = TcpListener::try_from(l).unwrap_err();
    assert_eq!(e.into_inner().local_addr().unwrap(), laddr);
    let as_io: std::io::Error = TcpStream::try_from(pair().1).unwrap_err().into();
    assert_eq!(as_io.kind(), std::io::ErrorKind::Other);
}

/// Rule: inside `block_on` the conversion uses the runtime's driver.
#[test]
fn inside_a_runtime_the_socket_is_wrapped() {
    let rt = Runtime::new(8).unwrap();
    let (l, s) = pair();
    rt.block_on(async move {
        let s = TcpStream::try_from(s).unwrap();
        let l = TcpListener::try_from(l).unwrap();
        assert_eq!(s.peer_addr().unwrap(), l.local_addr().unwrap());
    })
    .unwrap();
}
