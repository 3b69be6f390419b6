import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressPolicy } from './address-policy.js';

test('loopback, private, CGNAT, link-local, ULA, multicast and reserved addresses are refused; public ones pass', () => {
  const policy = new AddressPolicy();
  const refused = [
    '127.0.0.1', '127.255.0.9', '10.0.0.1', '172.16.5.4', '172.31.255.255', '192.168.1.1', '100.64.0.1', '100.100.100.200',
    '169.254.169.254', '0.0.0.0', '224.0.0.1', '255.255.255.255', '192.0.0.192',
    '::1', '::', 'fd00:ec2::254', 'fc00::1', 'fe80::1', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:169.254.169.254', '64:ff9b::a9fe:a9fe', '::7f00:1',
  ];
  for (const address of refused) assert.ok(policy.addressRefusal(address), `${address} should be refused`);
  for (const address of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
    assert.equal(policy.addressRefusal(address), undefined, `${address} should pass`);
  }
});

test('metadata service names are refused before any lookup', () => {
  const policy = new AddressPolicy();
  assert.ok(policy.nameRefusal('metadata.google.internal'));
  assert.ok(policy.nameRefusal('METADATA.GOOGLE.INTERNAL.'));
  assert.equal(policy.nameRefusal('example.com'), undefined);
});

test('the allow-list admits named hosts, wildcard domains, single addresses and CIDR ranges, nothing more', () => {
  const policy = AddressPolicy.fromList(' minio.internal , *.corp.example, 10.20.0.0/16, 127.0.0.1, fd12::/16 ');
  assert.ok(policy.allowsName('minio.internal'));
  assert.ok(policy.allowsName('images.corp.example'));
  assert.ok(!policy.allowsName('corp.example.evil.com'));
  assert.equal(policy.addressRefusal('10.20.3.4'), undefined);
  assert.ok(policy.addressRefusal('10.21.0.1'));
  assert.equal(policy.addressRefusal('127.0.0.1'), undefined);
  assert.ok(policy.addressRefusal('127.0.0.2'));
  assert.equal(policy.addressRefusal('fd12::5'), undefined);
  assert.ok(policy.addressRefusal('fd13::5'));
  assert.equal(new AddressPolicy(['metadata.google.internal']).nameRefusal('metadata.google.internal'), undefined);
});
