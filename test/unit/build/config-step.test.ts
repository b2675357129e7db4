import t from 'tap'
import { configStep, DEFAULT_SHELL, shellOf } from '../../../daemon/build/config-step.js'
import { DockerfileError, parseDockerfile } from '../../../daemon/build/dockerfile-parser.js'

const scope = { escape: '\\', shell: DEFAULT_SHELL, vars: new Map([['V', '1.2']]) }
const step = (line: string, config = {}) => {
  const i = parseDockerfile(`FROM scratch\n${line}`).instructions[1]
  if (!i) throw new Error('no instruction')
  return configStep(config, i, scope)
}

t.test('each config step, with the text history shows', async (t) => {
  t.match(step('ENV A=$V B="two words" A=x', { Env: ['PATH=/bin', 'A=0'] }), {
    config: { Env: ['PATH=/bin', 'A=x', 'B=two words'] },
    text: 'ENV A=1.2 B=two words A=x',
  })
  t.match(step('LABEL version=${V:-none}'), { config: { Labels: { version: '1.2' } }, text: 'LABEL version=1.2' })
  t.same(step('CMD echo $V').config.Cmd, ['/bin/sh', '-c', 'echo $V'], 'no expansion in CMD')
  t.same(step('ENTRYPOINT ["/bin/app", "x"]').config.Entrypoint, ['/bin/app', 'x'])
  t.equal(step('WORKDIR sub/$V', { WorkingDir: '/app' }).config.WorkingDir, '/app/sub/1.2')
  t.equal(step('WORKDIR /abs/../x').config.WorkingDir, '/x')
  t.same(step('EXPOSE 80 53/udp').config.ExposedPorts, { '80/tcp': {}, '53/udp': {} })
  t.same(step('VOLUME ["/data"]').config.Volumes, { '/data': {} })
  t.equal(step('USER ann:$V').config.User, 'ann:1.2')
  t.equal(step('STOPSIGNAL SIGINT').config.StopSignal, 'SIGINT')
  t.same(step('HEALTHCHECK --interval=5s CMD true').config.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 5e9 })
  t.match(step('SHELL ["/bin/bash", "-c"]'), { config: { Shell: ['/bin/bash', '-c'] }, text: 'SHELL [/bin/bash -c]' })
  t.same(shellOf({ Shell: ['/bin/bash', '-c'] }), ['/bin/bash', '-c'])
  t.same(shellOf({}), DEFAULT_SHELL)
  t.same(shellOf({ Shell: [] }), DEFAULT_SHELL, 'an empty Shell is the default, as Docker reads it')
  t.equal(step('MAINTAINER ann').author, 'ann')
})

t.test('a bad value is a DockerfileError with its line', async (t) => {
  t.throws(() => step('EXPOSE eighty'), DockerfileError)
  t.throws(() => step('USER ${V'), { message: /line 2: USER: bad substitution/ })
  t.throws(() => step('HEALTHCHECK --interval=5 CMD true'), { message: /line 2/ })
})
