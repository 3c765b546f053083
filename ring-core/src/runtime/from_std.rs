//! Std sockets wrapped with the driver of the runtime running on this
//! thread (`TryFrom`; outside a runtime the socket comes back in a
//! `NoRuntime`). The conversions belong to the runtime: the sockets themselves
//! (`crate::objects::net`) know only the driver they are given.

use crate::kernel::Linux;
use crate::objects::net::{NoRuntime, TcpListener, TcpStream};
use crate::runtime::executor::current_driver;

impl TryFrom<std::net::TcpStream> for TcpStream<Linux> {
    type Error = NoRuntime<std::net::TcpStream>;

    /// Wraps the stream with the driver of the runtime running on this
    /// thread; outside [`Runtime::block_on`](crate::Runtime::block_on),
    /// where there is none, the stream comes back in the error (use
    /// [`TcpStream::from_std`] with a driver there).
    fn try_from(s: std::net::TcpStream) -> Result<Self, Self::Error> {
        match current_driver() {
            Some(d) => Ok(TcpStream::from_std(&d, s)),
            None => Err(NoRuntime::new(s)),
        }
    }
}

impl TryFrom<std::net::TcpListener> for TcpListener<Linux> {
    type Error = NoRuntime<std::net::TcpListener>;

    /// Wraps the listener with the current runtime's driver; outside
    /// [`Runtime::block_on`](crate::Runtime::block_on) the listener comes
    /// back in the error (use [`TcpListener::from_std`] there).
    fn try_from(l: std::net::TcpListener) -> Result<Self, Self::Error> {
        match current_driver() {
            Some(d) => Ok(TcpListener::from_std(&d, l)),
            None => Err(NoRuntime::new(l)),
        }
    }
}
