"""The sync URL a device must type, for every way calibre may be told where to listen."""

import pytest

from bookboss.plugin.host.network import sync_url

LAN = ['192.168.1.20']


@pytest.mark.parametrize('listen_on', [None, '', '0.0.0.0', '::'])
def test_listening_on_every_interface_names_this_machines_lan_address(listen_on):
    assert sync_url(listen_on, 8080, lan=LAN) == 'http://192.168.1.20:8080/koreader'


def test_a_specific_address_is_used_as_it_is_and_ipv6_gets_brackets():
    assert sync_url('10.0.0.5', 8080, lan=LAN) == 'http://10.0.0.5:8080/koreader'
    assert sync_url('fe80::1', 8080, lan=LAN) == 'http://[fe80::1]:8080/koreader'


def test_calibres_url_prefix_is_included():
    assert sync_url(None, 8080, '/calibre/', lan=LAN) == 'http://192.168.1.20:8080/calibre/koreader'
    assert sync_url(None, 8080, 'calibre', lan=LAN) == 'http://192.168.1.20:8080/calibre/koreader'


def test_a_public_url_wins_and_none_never_appears():
    assert sync_url(None, 8080, '/x', 'https://books.example.org/', lan=LAN) == 'https://books.example.org/koreader'
    assert 'None' not in sync_url(None, 8080, None, None, lan=[])
