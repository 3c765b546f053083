//! Std sockets wrapped with the driver of the runtime running on this
//! thread. The conversions belong to the runtime: the sockets themselves
//! (`crate::objects::net`) know only the driver they are given.

use crate::kernel::Linux;
use crate::objects::net::{TcpListener, TcpStream};
use crate::runtime::executor::current_driver;

impl From<std::net::TcpStream> for TcpStream<Linux> {
    /// Wraps the stream with the driver of the runtime running on this
    /// thread.
    ///
    /// # Panics
    ///
    /// Outside [`Runtime::block_on`](crate::Runtime::block_on), where there
    /// is no current driver; use [`TcpStream::from_std`] there.
    fn from(s: std::net::TcpStream) -> Self {
        let d = current_driver().expect("TcpStream::from outside a Runtime: use from_std");
        TcpStream::from_std(&d, s)
    }
}

impl From<std::net::TcpListener> for TcpListener<Linux> {
    /// Wraps the listener with the current runtime's driver.
    ///
    /// # Panics
    ///
    /// Outside [`Runtime::block_on`](crate::Runtime::block_on); use
    /// [`TcpListener::from_std`] there.
    fn from(l: std::net::TcpListener) -> Self {
        let d = current_driver().expect("TcpListener::from outside a Runtime: use from_std");
        TcpListener::from_std(&d, l)
    }
}
