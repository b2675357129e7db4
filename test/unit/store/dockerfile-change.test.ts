import t from 'tap'
import { applyChanges } from '../../../daemon/store/dockerfile-change.js'

t.test('each allowed instruction changes the config as Docker does', async (t) => {
  const c = applyChanges({ Env: ['PATH=/bin'] }, [
    'CMD ["/bin/sh", "-c", "echo hi"]',
    'ENTRYPOINT /entry.sh',
    'ENV PATH=/usr/bin:/bin B="two words"',
    'ENV LEGACY value with spaces',
    'LABEL a=1 b="x y"',
    'EXPOSE 80 53/udp',
    'VOLUME ["/data", "/logs"]',
    'USER 1000:1000',
    'WORKDIR /srv',
    'WORKDIR app',
    'STOPSIGNAL SIGINT',
    'ONBUILD RUN make',
    'HEALTHCHECK --interval=30s --retries=3 CMD curl -f http://localhost/',
  ])
  t.same(c.Cmd, ['/bin/sh', '-c', 'echo hi'])
  t.same(c.Entrypoint, ['/bin/sh', '-c', '/entry.sh'])
  t.same(c.Env, ['PATH=/usr/bin:/bin', 'B=two words', 'LEGACY=value with spaces'])
  t.same(c.Labels, { a: '1', b: 'x y' })
  t.same(c.ExposedPorts, { '80/tcp': {}, '53/udp': {} })
  t.same(c.Volumes, { '/data': {}, '/logs': {} })
  t.equal(c.User, '1000:1000')
  t.equal(c.WorkingDir, '/srv/app')
  t.equal(c.StopSignal, 'SIGINT')
  t.same(c.OnBuild, ['RUN make'])
  t.same(c.Healthcheck, { Test: ['CMD-SHELL', 'curl -f http://localhost/'], Interval: 30e9, Retries: 3 })
})

t.test('other instructions and malformed ones are refused', async (t) => {
  t.same(applyChanges({}, ['CMD ["unterminated"']).Cmd, ['/bin/sh', '-c', '["unterminated"'], 'not JSON: shell form')
  t.same(applyChanges({}, ['CMD [1, 2]']).Cmd, ['/bin/sh', '-c', '[1, 2]'], 'not strings: shell form')
  for (const bad of ['RUN make', 'COPY . /', 'FROM scratch', '', 'HEALTHCHECK curl', 'HEALTHCHECK --bogus=1 CMD x']) {
    t.throws(() => applyChanges({}, [bad]), { code: 'INVALID_ARGUMENT' }, bad)
  }
})
