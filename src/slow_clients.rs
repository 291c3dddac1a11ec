//! Connections that take too long to deliver a request are closed.
//!
//! poem runs hyper without a timer, so hyper's own header-read timeout is off, and poem's idle
//! timeout counts any byte as activity: a client sending its headers one byte a second would hold
//! a connection (and its task) forever. [`RequestDeadline`] wraps the listener: from the first byte
//! of a request until the first byte of its response is written, the connection has `limit`;
//! then reads fail and hyper drops the connection. The request timeout middleware answers slow
//! handlers and slow bodies first (503); this bounds the phases it cannot see.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use poem::http::uri::Scheme;
use poem::listener::Acceptor;
use poem::web::{LocalAddr, RemoteAddr};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Sleep, sleep};

/// Wraps an acceptor so each connection gets a [`DeadlineIo`].
pub struct RequestDeadline<A> {
    pub inner: A,
    pub limit: Duration,
}

impl<A: Acceptor> Acceptor for RequestDeadline<A> {
    type Io = DeadlineIo<A::Io>;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.inner.local_addr()
    }

    async fn accept(&mut self) -> io::Result<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        let (io, local, remote, scheme) = self.inner.accept().await?;
        Ok((
            DeadlineIo {
                inner: io,
                limit: self.limit,
                deadline: None,
            },
            local,
            remote,
            scheme,
        ))
    }
}

/// A connection whose pending request must be answered before `deadline`.
pub struct DeadlineIo<T> {
    inner: T,
    limit: Duration,
    /// Set when a request starts arriving; cleared when its response starts.
    deadline: Option<Pin<Box<Sleep>>>,
}

impl<T: AsyncRead + Unpin> AsyncRead for DeadlineIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(deadline) = self.deadline.as_mut()
            && deadline.as_mut().poll(cx).is_ready()
        {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the request did not arrive in time",
            )));
        }
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(())))
            && buf.filled().len() > before
            && self.deadline.is_none()
        {
            let mut deadline = Box::pin(sleep(self.limit));
            // Registers this task to be woken when the deadline passes.
            let _ = deadline.as_mut().poll(cx);
            self.deadline = Some(deadline);
        }
        result
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for DeadlineIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.deadline = None;
        }
        result
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.deadline = None;
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
