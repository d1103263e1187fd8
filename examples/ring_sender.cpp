// SPDX-License-Identifier: MIT
/*
 * ring_sender.cpp - ring_sender.c in C++17: a MSG_ZEROCOPY sender with a
 * ring of buffers and a flush loop, written against <zcnotify/zcn.h>.
 * Copy it.
 *
 *   ring_sender_cpp [-u] [-6] [-n MESSAGES] [-s SIZE] [-m MEMLOCK] [HOST PORT]
 *
 * The same program as ring_sender.c (see there): non-blocking socket,
 * partial sends, EAGAIN, ENOBUFS (wait with sends in flight, send by copy
 * with none), every send ID checked to come back exactly once ("exact"
 * in its last line, exit 0). Here the helper sits in a small RAII class.
 *
 * Build: c++ -std=c++17 -O2 $(pkg-config --cflags zcnotify) ring_sender.cpp -pthread
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <zcnotify/zcn.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace {

[[noreturn]] void fail(const char *what)
{
	throw std::system_error(errno, std::generic_category(), what);
}

/* A file descriptor, closed once. */
class Fd {
public:
	explicit Fd(int fd = -1) : fd_(fd) {}
	Fd(Fd &&o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
	Fd &operator=(Fd &&o) noexcept
	{
		std::swap(fd_, o.fd_);
		return *this;
	}
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	~Fd()
	{
		if (fd_ >= 0)
			close(fd_);
	}
	int get() const { return fd_; }

private:
	int fd_;
};

/* The helper, its tracker and the exactly-once check of every send ID. */
class ZeroCopySocket {
public:
	explicit ZeroCopySocket(int fd) : z_(new zcn())
	{
		/* Before the first MSG_ZEROCOPY send: IDs start at 0. */
		if (zcn_init(z_.get(), fd, 16))
			fail("zcn_init");
		zcn_tracker_init(&done_, 0);
	}

	/* One send; returns its byte count, or -1 with errno. */
	ssize_t send(const void *buf, size_t len, int flags, bool *took_id,
		     uint32_t *id)
	{
		iovec iov{const_cast<void *>(buf), len};
		msghdr m{};

		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		ssize_t n = zcn_send(z_.get(), &m, flags);
		int err = errno;

		fold();		/* with the module, completions came back */
		*took_id = z_->took_id;
		*id = z_->id;
		errno = err;
		return n;
	}

	/* The flush loop's one step: wait for completions, fold them. */
	void wait()
	{
		zcn_other o;
		int others = 0;
		int r = zcn_wait(z_.get(), 10000);

		if (r < 0)
			fail("zcn_wait");
		fold();
		while (zcn_pop_other(z_.get(), &o))
			others++;	/* timestamps, ICMP errors: unused */
		if (!r && !others)
			throw std::runtime_error("no completion in 10 s, " +
						 std::to_string(in_flight()) +
						 " in flight");
	}

	bool done(uint32_t id) const { return zcn_tracker_done(&done_, id); }
	uint32_t in_flight() const { return zcn_in_flight(z_.get()); }
	uint32_t ids_given() const { return z_->next_id; }
	bool cmsg() const { return z_->mode == ZCN_CMSG; }
	unsigned long zerocopy() const { return zerocopy_; }
	unsigned long copied() const { return copied_; }
	bool bad() const { return bad_; }

	/* IDs given that never came back, and IDs back twice or never given. */
	void check(uint32_t *missing, uint32_t *dups) const
	{
		*missing = *dups = 0;
		for (uint32_t id = 0; id < seen_.size(); id++) {
			if (id < z_->next_id)
				*missing += !seen_[id];
			*dups += seen_[id] > (id < z_->next_id ? 1 : 0);
		}
		if (seen_.size() < z_->next_id)
			*missing += z_->next_id - (uint32_t)seen_.size();
	}

private:
	void fold()
	{
		for (unsigned int i = 0; i < z_->nranges; i++) {
			const zcn_range &r = z_->ranges[i];

			if (zcn_tracker_add(&done_, r.lo, r.hi))
				bad_ = true;	/* more than ZCN_TRACK_MAX gaps */
			for (uint32_t id = r.lo;; id++) {
				if (id >= seen_.size())
					seen_.resize(id < 1024 ? 2048 : (size_t)id * 2);
				seen_[id]++;
				if (id == r.hi)
					break;
			}
			(r.zerocopy ? zerocopy_ : copied_) += r.hi - r.lo + 1;
		}
	}

	std::unique_ptr<zcn> z_;	/* 10 KB: not on the stack */
	zcn_tracker done_{};
	std::vector<uint8_t> seen_;
	unsigned long zerocopy_ = 0, copied_ = 0;
	bool bad_ = false;
};

struct Options {
	int family = AF_INET, type = SOCK_STREAM;
	unsigned long messages = 2000;
	size_t size = 65536;
	std::string host, port;
};

/* -m: RLIMIT_MEMLOCK, and no CAP_IPC_LOCK (which would ignore it). */
void limit_memlock(rlim_t bytes)
{
	__user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, 0};
	__user_cap_data_struct d[2]{};
	rlimit rl{bytes, bytes};

	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		fail("setrlimit");
	if (!syscall(SYS_capget, &h, d)) {
		d[0].effective &= ~(1u << CAP_IPC_LOCK);
		if (syscall(SYS_capset, &h, d))
			fail("capset");
	}
}

socklen_t address(const Options &o, sockaddr_storage *ss)
{
	*ss = sockaddr_storage{};
	if (o.family == AF_INET6) {
		auto *a = reinterpret_cast<sockaddr_in6 *>(ss);

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		if (!o.host.empty()) {
			if (inet_pton(AF_INET6, o.host.c_str(), &a->sin6_addr) != 1)
				throw std::runtime_error(o.host + ": not an address");
			a->sin6_port = htons((uint16_t)std::stoi(o.port));
		}
		return sizeof(*a);
	}
	auto *a = reinterpret_cast<sockaddr_in *>(ss);

	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!o.host.empty()) {
		if (inet_pton(AF_INET, o.host.c_str(), &a->sin_addr) != 1)
			throw std::runtime_error(o.host + ": not an address");
		a->sin_port = htons((uint16_t)std::stoi(o.port));
	}
	return sizeof(*a);
}

struct Slot {
	std::unique_ptr<char, decltype(&std::free)> buf{nullptr, &std::free};
	bool busy = false;	/* a zerocopy send read it */
	uint32_t last_id = 0;	/* the last such send's ID */
};

int run(const Options &o)
{
	sockaddr_storage ss;
	socklen_t sslen = address(o, &ss);
	Fd listener, rx;
	unsigned long long received = 0;
	std::thread receiver;
	constexpr int ring_size = 16;
	unsigned long ids = 0, copies = 0, enobufs = 0, eagain = 0;
	int one = 1;

	if (o.host.empty()) {	/* our own receiver on the loopback address */
		listener = Fd(socket(o.family, o.type, 0));
		if (listener.get() < 0 ||
		    bind(listener.get(), reinterpret_cast<sockaddr *>(&ss), sslen) ||
		    getsockname(listener.get(), reinterpret_cast<sockaddr *>(&ss), &sslen))
			fail("bind");
		if (o.type == SOCK_STREAM && listen(listener.get(), 1))
			fail("listen");
	}
	Fd fd(socket(o.family, o.type, 0));
	if (fd.get() < 0)
		fail("socket");
	if (setsockopt(fd.get(), SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)))
		fail("SO_ZEROCOPY");
	if (connect(fd.get(), reinterpret_cast<sockaddr *>(&ss), sslen))
		fail("connect");
	if (o.host.empty()) {
		if (o.type == SOCK_STREAM) {
			rx = Fd(accept(listener.get(), nullptr, nullptr));
			if (rx.get() < 0)
				fail("accept");
		} else {
			rx = std::move(listener);
		}
		receiver = std::thread([&rx, &received] {
			std::vector<char> buf(1 << 16);
			ssize_t n;

			while ((n = recv(rx.get(), buf.data(), buf.size(), 0)) > 0)
				received += (unsigned long long)n;
		});
	}
	if (fcntl(fd.get(), F_SETFL, fcntl(fd.get(), F_GETFL) | O_NONBLOCK))
		fail("O_NONBLOCK");

	ZeroCopySocket zs(fd.get());
	std::vector<Slot> ring(ring_size);
	for (Slot &s : ring) {
		s.buf.reset(static_cast<char *>(
			std::aligned_alloc(4096, (o.size + 4095) / 4096 * 4096)));
		if (!s.buf)
			fail("aligned_alloc");
	}

	for (unsigned long i = 0; i < o.messages && !zs.bad(); i++) {
		Slot &s = ring[i % ring_size];

		while (s.busy && !zs.done(s.last_id))	/* the flush loop */
			zs.wait();
		std::memset(s.buf.get(), 'a' + (int)(i % 26), o.size);
		s.busy = false;

		const char *p = s.buf.get();
		size_t left = o.size;
		int flags = MSG_ZEROCOPY;

		while (left) {
			bool took;
			uint32_t id;
			ssize_t n = zs.send(p, left, flags | MSG_DONTWAIT | MSG_NOSIGNAL,
					    &took, &id);

			if (n >= 0) {
				if (took) {
					ids++;
					s.busy = true;
					s.last_id = id;
				} else if (!(flags & MSG_ZEROCOPY)) {
					copies++;
				}
				p += n;
				left -= (size_t)n;
				flags = MSG_ZEROCOPY;
			} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
				pollfd pfd{fd.get(), POLLOUT, 0};

				eagain++;
				if (poll(&pfd, 1, 10000) < 0)
					fail("poll");
				if (pfd.revents & POLLERR)
					zs.wait();
			} else if (errno == ENOBUFS) {
				enobufs++;
				if (zs.in_flight())
					zs.wait();	/* completions free the limit */
				else
					flags = 0;	/* nothing will: send by copy */
			} else if (errno != EINTR) {
				fail("send");
			}
		}
	}
	while (zs.in_flight() && !zs.bad())	/* the final flush */
		zs.wait();

	uint32_t missing, dups;
	zs.check(&missing, &dups);
	shutdown(fd.get(), SHUT_WR);
	if (o.type == SOCK_DGRAM && rx.get() >= 0)
		shutdown(rx.get(), SHUT_RDWR);
	if (receiver.joinable())
		receiver.join();
	std::printf("%s %s via %s: %lu messages of %zu bytes, %lu send IDs, %lu by copy, %lu ENOBUFS, %lu EAGAIN\n",
		    o.type == SOCK_STREAM ? "tcp" : "udp",
		    o.family == AF_INET6 ? "ipv6" : "ipv4",
		    zs.cmsg() ? "cmsg" : "errqueue", o.messages, o.size, ids,
		    copies, enobufs, eagain);
	bool bytes_ok = true;
	if (o.host.empty() && o.type == SOCK_STREAM) {
		bytes_ok = received == (unsigned long long)o.messages * o.size;
		std::printf("received %llu of %llu bytes\n", received,
			    (unsigned long long)o.messages * o.size);
	}
	bool exact = !missing && !dups && !zs.bad() && ids == zs.ids_given() &&
		     bytes_ok;
	std::printf("completions: %lu zerocopy, %lu copied by the kernel, %u missing, %u duplicate or unknown: %s\n",
		    zs.zerocopy(), zs.copied(), missing, dups,
		    exact ? "exact" : "WRONG");
	return exact ? 0 : 1;
}

} // namespace

int main(int argc, char **argv)
{
	Options o;
	int opt;

	try {
		while ((opt = getopt(argc, argv, "u6n:s:m:")) != -1) {
			switch (opt) {
			case 'u': o.type = SOCK_DGRAM; break;
			case '6': o.family = AF_INET6; break;
			case 'n': o.messages = std::stoul(optarg); break;
			case 's': o.size = std::stoul(optarg); break;
			case 'm': limit_memlock(std::stoul(optarg)); break;
			default:
				std::fprintf(stderr, "usage: %s [-u] [-6] [-n MESSAGES] [-s SIZE] [-m MEMLOCK] [HOST PORT]\n",
					     argv[0]);
				return 2;
			}
		}
		if (optind + 2 == argc) {
			o.host = argv[optind];
			o.port = argv[optind + 1];
			if (o.host.find(':') != std::string::npos)
				o.family = AF_INET6;
		}
		if (o.type == SOCK_DGRAM && o.size > 65000)
			o.size = 16384;
		return run(o);
	} catch (const std::exception &e) {
		std::fprintf(stderr, "%s\n", e.what());
		return 2;
	}
}
