"""A small real DNS server (dnspython over UDP) that plays Cloudflare's whoami.

dnsmasq serves only IN-class records, and Cloudflare answers
``whoami.cloudflare`` TXT in the CHAOS class; this server answers that one
question with whatever address the test sets, and REFUSED to anything else.
"""

from __future__ import annotations

import asyncio

import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset


class WhoamiServer(asyncio.DatagramProtocol):
    """Answers CH TXT ``whoami.cloudflare`` with ``address``."""

    def __init__(self, address: str) -> None:
        """Start answering with ``address``."""
        self.address = address
        self.transport: asyncio.DatagramTransport | None = None
        self.port = 0

    async def start(self) -> WhoamiServer:
        """Listen on a free loopback port."""
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: self, local_addr=("127.0.0.1", 0))
        self.transport = transport
        self.port = transport.get_extra_info("sockname")[1]
        return self

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        """Answer one query."""
        query = dns.message.from_wire(data)
        response = dns.message.make_response(query)
        question = query.question[0]
        if (
            question.name.to_text() == "whoami.cloudflare."
            and question.rdclass == dns.rdataclass.CH
            and question.rdtype == dns.rdatatype.TXT
        ):
            response.answer.append(
                dns.rrset.from_text(question.name, 0, dns.rdataclass.CH, dns.rdatatype.TXT, f'"{self.address}"')
            )
        else:
            response.set_rcode(dns.rcode.REFUSED)
        assert self.transport is not None
        self.transport.sendto(response.to_wire(), addr)

    def stop(self) -> None:
        """Stop listening."""
        if self.transport is not None:
            self.transport.close()
