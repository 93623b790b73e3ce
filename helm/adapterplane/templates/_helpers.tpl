{{/*
Names. Kubernetes names of Services and label values are at most 63 characters.
*/}}
{{- define "adapterplane.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "adapterplane.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
"<fullname>-<suffix>" within `max` characters: the full name is shortened, never the suffix, so
that names of different components and models stay distinct.
Call with (dict "root" $ "suffix" "migrate" "max" 63).
*/}}
{{- define "adapterplane.componentName" -}}
{{- $max := int (default 63 .max) }}
{{- $prefix := include "adapterplane.fullname" .root | trunc (int (sub $max (add1 (len .suffix)))) | trimSuffix "-" }}
{{- printf "%s-%s" $prefix .suffix }}
{{- end }}

{{- define "adapterplane.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels. Selector labels never contain the chart or app version: they must not change on upgrade.
*/}}
{{- define "adapterplane.selectorLabels" -}}
app.kubernetes.io/name: {{ include "adapterplane.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "adapterplane.labels" -}}
helm.sh/chart: {{ include "adapterplane.chart" . }}
{{ include "adapterplane.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: adapterplane
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "adapterplane.controlPlane.selectorLabels" -}}
{{ include "adapterplane.selectorLabels" . }}
app.kubernetes.io/component: control-plane
{{- end }}

{{- define "adapterplane.controlPlane.labels" -}}
{{ include "adapterplane.labels" . }}
app.kubernetes.io/component: control-plane
{{- end }}

{{- define "adapterplane.migrate.labels" -}}
{{ include "adapterplane.labels" . }}
app.kubernetes.io/component: migrate
{{- end }}

{{- define "adapterplane.migrate.selectorLabels" -}}
{{ include "adapterplane.selectorLabels" . }}
app.kubernetes.io/component: migrate
{{- end }}

{{/* Every worker pod of the release, whatever its model. */}}
{{- define "adapterplane.workers.selectorLabels" -}}
{{ include "adapterplane.selectorLabels" . }}
app.kubernetes.io/component: worker
{{- end }}

{{- define "adapterplane.workers.labels" -}}
{{ include "adapterplane.labels" . }}
app.kubernetes.io/component: worker
{{- end }}

{{/* The worker pods of one model. Call with (dict "root" $ "model" $model). */}}
{{- define "adapterplane.worker.selectorLabels" -}}
{{ include "adapterplane.workers.selectorLabels" .root }}
adapterplane.io/model: {{ .model.name }}
{{- end }}

{{- define "adapterplane.worker.labels" -}}
{{ include "adapterplane.workers.labels" .root }}
adapterplane.io/model: {{ .model.name }}
{{- end }}

{{/*
Resource names. Worker names stay within 52 characters: a StatefulSet adds an 11-character
revision hash to its name in a label value.
*/}}
{{- define "adapterplane.controlPlane.serviceAccountName" -}}
{{- if .Values.controlPlane.serviceAccount.create }}
{{- default (include "adapterplane.fullname" .) .Values.controlPlane.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.controlPlane.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "adapterplane.workers.serviceAccountName" -}}
{{- if .Values.workers.serviceAccount.create }}
{{- default (include "adapterplane.componentName" (dict "root" . "suffix" "worker")) .Values.workers.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.workers.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "adapterplane.worker.fullname" -}}
{{- include "adapterplane.componentName" (dict "root" .root "suffix" (printf "worker-%s" .model.name) "max" 52) }}
{{- end }}

{{- define "adapterplane.migrate.fullname" -}}
{{- include "adapterplane.componentName" (dict "root" . "suffix" "migrate") }}
{{- end }}

{{- define "adapterplane.dataClaimName" -}}
{{- default (include "adapterplane.componentName" (dict "root" . "suffix" "data")) .Values.controlPlane.persistence.existingClaim }}
{{- end }}

{{/*
Images: the digest wins over the tag; the tag defaults to the chart's appVersion.
Call with (dict "root" $ "image" .Values.controlPlane.image).
*/}}
{{- define "adapterplane.image" -}}
{{- if .image.digest }}
{{- printf "%s@%s" .image.repository .image.digest }}
{{- else }}
{{- printf "%s:%s" .image.repository (default .root.Chart.AppVersion .image.tag) }}
{{- end }}
{{- end }}

{{/*
Deployment mode, derived from the values.
*/}}
{{/* "true" when the database is an external PostgreSQL, "" for the embedded SQLite file. */}}
{{- define "adapterplane.database.external" -}}
{{- if or .Values.database.url .Values.database.existingSecret }}true{{ end }}
{{- end }}

{{/* "true" when the control plane keeps data on /data (SQLite or the file store). */}}
{{- define "adapterplane.controlPlane.usesDataVolume" -}}
{{- if or (not (include "adapterplane.database.external" .)) (not .Values.store.url) }}true{{ end }}
{{- end }}

{{- define "adapterplane.controlPlane.usesClaim" -}}
{{- if and .Values.controlPlane.persistence.enabled (include "adapterplane.controlPlane.usesDataVolume" .) }}true{{ end }}
{{- end }}

{{- define "adapterplane.storeUrl" -}}
{{- default "file:///data/store" .Values.store.url }}
{{- end }}

{{- define "adapterplane.controlPlane.url" -}}
{{- printf "http://%s:%d" (include "adapterplane.fullname" .) (int .Values.controlPlane.service.port) }}
{{- end }}

{{/*
Secrets. The chart's own Secret is named like the release; each item can come from an existing
Secret instead.
*/}}
{{- define "adapterplane.secretName" -}}
{{- include "adapterplane.fullname" . }}
{{- end }}

{{- define "adapterplane.auth.secretName" -}}
{{- default (include "adapterplane.secretName" .) .Values.auth.existingSecret }}
{{- end }}

{{- define "adapterplane.database.secretName" -}}
{{- default (include "adapterplane.secretName" .) .Values.database.existingSecret }}
{{- end }}

{{- define "adapterplane.database.secretKey" -}}
{{- if .Values.database.existingSecret }}{{ .Values.database.existingSecretKey }}{{ else }}database-url{{ end }}
{{- end }}

{{- define "adapterplane.s3.staticCredentials" -}}
{{- if or .Values.store.s3.existingSecret .Values.store.s3.accessKeyId }}true{{ end }}
{{- end }}

{{- define "adapterplane.s3.secretName" -}}
{{- default (include "adapterplane.secretName" .) .Values.store.s3.existingSecret }}
{{- end }}

{{- define "adapterplane.s3.accessKeyIdKey" -}}
{{- if .Values.store.s3.existingSecret }}{{ .Values.store.s3.accessKeyIdKey }}{{ else }}aws-access-key-id{{ end }}
{{- end }}

{{- define "adapterplane.s3.secretAccessKeyKey" -}}
{{- if .Values.store.s3.existingSecret }}{{ .Values.store.s3.secretAccessKeyKey }}{{ else }}aws-secret-access-key{{ end }}
{{- end }}

{{- define "adapterplane.huggingface.enabled" -}}
{{- if or .Values.huggingface.existingSecret .Values.huggingface.token }}true{{ end }}
{{- end }}

{{- define "adapterplane.huggingface.secretName" -}}
{{- default (include "adapterplane.secretName" .) .Values.huggingface.existingSecret }}
{{- end }}

{{- define "adapterplane.huggingface.secretKey" -}}
{{- if .Values.huggingface.existingSecret }}{{ .Values.huggingface.existingSecretKey }}{{ else }}hf-token{{ end }}
{{- end }}

{{/*
Checksums of what the pods' secrets are made from, to roll pods when it changes. They hash the
values (Secret names, keys, credentials given as values), never the generated tokens: those are
random in every render and change only by hand, followed by a `kubectl rollout restart`.
Workers hash only what they use, so a control-plane-only change never restarts a GPU pool.
*/}}
{{- define "adapterplane.controlPlane.secretChecksum" -}}
{{- list .Values.auth .Values.database .Values.store.s3 | toJson | sha256sum }}
{{- end }}

{{- define "adapterplane.workers.secretChecksum" -}}
{{- list .Values.auth .Values.store.s3 .Values.huggingface | toJson | sha256sum }}
{{- end }}

{{/* "true" when the chart's own Secret has at least one key to hold. */}}
{{- define "adapterplane.secret.needed" -}}
{{- $v := .Values }}
{{- if or (not $v.auth.existingSecret) $v.database.url (and $v.store.s3.accessKeyId (not $v.store.s3.existingSecret)) (and $v.huggingface.token (not $v.huggingface.existingSecret)) }}true{{ end }}
{{- end }}

{{/*
Environment shared by every pod that talks to S3: region and endpoint as values, static
credentials from a Secret. With no static credentials the AWS SDK uses the pod's identity.
*/}}
{{- define "adapterplane.s3.env" -}}
{{- with .Values.store.s3.region }}
- name: AWS_REGION
  value: {{ . | quote }}
- name: AWS_DEFAULT_REGION
  value: {{ . | quote }}
{{- end }}
{{- with .Values.store.s3.endpointUrl }}
- name: AWS_ENDPOINT_URL
  value: {{ . | quote }}
{{- end }}
{{- if include "adapterplane.s3.staticCredentials" . }}
- name: AWS_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ include "adapterplane.s3.secretName" . }}
      key: {{ include "adapterplane.s3.accessKeyIdKey" . }}
- name: AWS_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "adapterplane.s3.secretName" . }}
      key: {{ include "adapterplane.s3.secretAccessKeyKey" . }}
{{- end }}
{{- end }}

{{/* Probe timings plus a handler. Call with (dict "timings" $timings "path" "/healthz"). */}}
{{- define "adapterplane.httpProbe" -}}
httpGet:
  path: {{ .path }}
  port: http
{{- range $key := list "initialDelaySeconds" "periodSeconds" "timeoutSeconds" "successThreshold" "failureThreshold" }}
{{- if hasKey $.timings $key }}
{{ $key }}: {{ get $.timings $key | int }}
{{- end }}
{{- end }}
{{- end }}

{{/* A PodDisruptionBudget spec body. Call with the podDisruptionBudget values. */}}
{{- define "adapterplane.pdbBudget" -}}
{{- if ne (toString .minAvailable) "" }}
minAvailable: {{ if kindIs "string" .minAvailable }}{{ .minAvailable | quote }}{{ else }}{{ .minAvailable | int }}{{ end }}
{{- else }}
maxUnavailable: {{ if kindIs "string" .maxUnavailable }}{{ .maxUnavailable | quote }}{{ else }}{{ .maxUnavailable | int }}{{ end }}
{{- end }}
{{- end }}

{{/*
Deep merge of `src` into `dst` (mutates `dst`): maps merge key by key, every other value
(zero values and lists included) replaces. Unlike sprig's mergeOverwrite, `replicas: 0` wins.
*/}}
{{- define "adapterplane.deepMerge" -}}
{{- $dst := .dst }}
{{- range $key, $value := .src }}
{{- if and (kindIs "map" $value) (kindIs "map" (get $dst $key)) }}
{{- include "adapterplane.deepMerge" (dict "dst" (get $dst $key) "src" $value) }}
{{- else }}
{{- $_ := set $dst $key $value }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The worker models with `workers.defaults` applied, as JSON `{"models": [...]}`; also checks the
rules the schema cannot express. Use:
  {{- $models := (include "adapterplane.workers.models" . | fromJson).models }}
*/}}
{{- define "adapterplane.workers.models" -}}
{{- $models := list }}
{{- $names := dict }}
{{- $served := dict }}
{{- range $entry := .Values.workers.models }}
{{- $model := deepCopy $.Values.workers.defaults }}
{{- include "adapterplane.deepMerge" (dict "dst" $model "src" (deepCopy $entry)) }}
{{- $_ := set $model "servedModelName" (default $model.name $model.servedModelName) }}
{{- $_ := set $model "tensorParallelSize" (default $model.gpus $model.tensorParallelSize | int) }}
{{- if hasKey $names $model.name }}
{{- fail (printf "workers.models: the name %q is used twice" $model.name) }}
{{- end }}
{{- if hasKey $served $model.servedModelName }}
{{- fail (printf "workers.models: the servedModelName %q is used twice" $model.servedModelName) }}
{{- end }}
{{- if lt (int $model.maxCpuLoras) (int $model.maxLoras) }}
{{- fail (printf "workers.models[%s]: maxCpuLoras (%d) must be at least maxLoras (%d)" $model.name (int $model.maxCpuLoras) (int $model.maxLoras)) }}
{{- end }}
{{- if gt (int $model.tensorParallelSize) (int $model.gpus) }}
{{- fail (printf "workers.models[%s]: tensorParallelSize (%d) cannot exceed gpus (%d)" $model.name (int $model.tensorParallelSize) (int $model.gpus)) }}
{{- end }}
{{- if and (eq $model.modelCache.type "existingClaim") (not $model.modelCache.existingClaim) }}
{{- fail (printf "workers.models[%s]: modelCache.type existingClaim needs modelCache.existingClaim" $model.name) }}
{{- end }}
{{- $_ := set $names $model.name true }}
{{- $_ := set $served $model.servedModelName true }}
{{- $models = append $models $model }}
{{- end }}
{{- dict "models" $models | toJson }}
{{- end }}

{{/*
Rules across values that the schema cannot express. configmap.yaml (always rendered) includes
it: a failure stops the whole release from rendering.
*/}}
{{- define "adapterplane.validate" -}}
{{- $v := .Values }}
{{- if and (gt (int $v.controlPlane.replicas) 1) (not (include "adapterplane.database.external" .)) }}
{{- fail "controlPlane.replicas > 1 needs PostgreSQL: the embedded SQLite database serves one replica only. Set database.url or database.existingSecret." }}
{{- end }}
{{- if and (gt (int $v.controlPlane.replicas) 1) (not $v.store.url) }}
{{- fail "controlPlane.replicas > 1 needs an S3 store: the file store lives on one pod's volume. Set store.url to s3://bucket/prefix." }}
{{- end }}
{{- if and $v.database.url $v.database.existingSecret }}
{{- fail "database: set either url or existingSecret, not both" }}
{{- end }}
{{- if and $v.workers.models (not $v.store.url) }}
{{- fail "workers.models needs an S3 store: workers download adapter versions from it. Set store.url to s3://bucket/prefix." }}
{{- end }}
{{- if and $v.store.s3.existingSecret (or $v.store.s3.accessKeyId $v.store.s3.secretAccessKey) }}
{{- fail "store.s3: set either existingSecret or accessKeyId/secretAccessKey, not both" }}
{{- end }}
{{- if and $v.huggingface.token $v.huggingface.existingSecret }}
{{- fail "huggingface: set either token or existingSecret, not both" }}
{{- end }}
{{- end }}

{{/*
Migrations: a hook Job with PostgreSQL. Hooks run before the release's own resources exist, so
the Job brings its own ServiceAccount and, for a database URL given as a value, its own Secret;
all three are hooks deleted once the migration succeeded.
*/}}
{{- define "adapterplane.migrate.job" -}}
{{- if and .Values.migrations.enabled (include "adapterplane.database.external" .) }}true{{ end }}
{{- end }}

{{/* Call with (dict "weight" -10). */}}
{{- define "adapterplane.migrate.hookAnnotations" -}}
helm.sh/hook: pre-install,pre-upgrade
helm.sh/hook-weight: {{ .weight | quote }}
helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
{{- end }}

{{- define "adapterplane.migrate.databaseSecretName" -}}
{{- if .Values.database.existingSecret }}
{{- .Values.database.existingSecret }}
{{- else }}
{{- include "adapterplane.migrate.fullname" . }}
{{- end }}
{{- end }}

{{/* The migration container; also the init container of the control plane with SQLite. */}}
{{- define "adapterplane.migrate.container" -}}
- name: migrate
  image: {{ include "adapterplane.image" (dict "root" . "image" .Values.controlPlane.image) }}
  imagePullPolicy: {{ .Values.controlPlane.image.pullPolicy }}
  command: ["adapterplane", "migrate"]
  env:
    - name: ADAPTERPLANE_DATA_DIR
      value: /data
    - name: ADAPTERPLANE_LOG_LEVEL
      value: {{ .Values.controlPlane.logLevel | quote }}
    {{- if include "adapterplane.database.external" . }}
    - name: ADAPTERPLANE_DATABASE_URL
      valueFrom:
        secretKeyRef:
          name: {{ include "adapterplane.migrate.databaseSecretName" . }}
          key: {{ include "adapterplane.database.secretKey" . }}
    {{- end }}
  resources:
    {{- toYaml .Values.migrations.resources | nindent 4 }}
  securityContext:
    {{- toYaml .Values.controlPlane.securityContext | nindent 4 }}
  volumeMounts:
    - name: data
      mountPath: /data
    - name: tmp
      mountPath: /tmp
{{- end }}

{{/*
The pod template of one model's workers (Deployment or StatefulSet).
Call with (dict "root" $ "model" $model).
*/}}
{{- define "adapterplane.worker.podTemplate" -}}
{{- $root := .root }}
{{- $m := .model }}
{{- $values := $root.Values }}
{{- $gpus := $m.gpus | int }}
{{- $resources := deepCopy $m.resources }}
{{- $_ := set $resources "limits" (merge (dict $values.workers.gpuResourceName $gpus) ($resources.limits | default dict)) }}
{{- $_ := set $resources "requests" (merge (dict $values.workers.gpuResourceName $gpus) ($resources.requests | default dict)) }}
metadata:
  labels:
    {{- include "adapterplane.worker.labels" . | nindent 4 }}
    {{- with $m.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    checksum/secret: {{ include "adapterplane.workers.secretChecksum" $root }}
    {{- with $m.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "adapterplane.workers.serviceAccountName" $root }}
  automountServiceAccountToken: false
  {{- with $values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml $values.workers.podSecurityContext | nindent 4 }}
  terminationGracePeriodSeconds: {{ $m.terminationGracePeriodSeconds | int }}
  {{- with $m.runtimeClassName }}
  runtimeClassName: {{ . }}
  {{- end }}
  {{- with $m.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  containers:
    - name: vllm
      image: {{ include "adapterplane.image" (dict "root" $root "image" $values.workers.image) }}
      imagePullPolicy: {{ $values.workers.image.pullPolicy }}
      command: ["adapterplane", "worker"]
      args:
        - --control-plane
        - $(ADAPTERPLANE_CONTROL_PLANE_URL)
        - --model
        - {{ $m.model | quote }}
        - --served-model-name
        - {{ $m.servedModelName | quote }}
        - --host
        - 0.0.0.0
        - --port
        - "8000"
        - --
        - --max-loras
        - {{ $m.maxLoras | int | quote }}
        - --max-cpu-loras
        - {{ $m.maxCpuLoras | int | quote }}
        - --max-lora-rank
        - {{ $m.maxLoraRank | int | quote }}
        - --tensor-parallel-size
        - {{ $m.tensorParallelSize | int | quote }}
        {{- if $m.maxModelLen }}
        - --max-model-len
        - {{ $m.maxModelLen | int | quote }}
        {{- end }}
        {{- range $m.extraArgs }}
        - {{ . | quote }}
        {{- end }}
      ports:
        - name: http
          containerPort: 8000
          protocol: TCP
      env:
        - name: POD_IP
          valueFrom:
            fieldRef:
              fieldPath: status.podIP
        - name: POD_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        - name: ADAPTERPLANE_CONTROL_PLANE_URL
          value: {{ include "adapterplane.controlPlane.url" $root | quote }}
        # The control plane reaches each worker directly at its pod IP.
        - name: ADAPTERPLANE_ADVERTISE_URL
          value: "http://$(POD_IP):8000"
        - name: ADAPTERPLANE_WORKER_NAME
          value: $(POD_NAME)
        - name: ADAPTERPLANE_WORKER_TOKEN
          valueFrom:
            secretKeyRef:
              name: {{ include "adapterplane.auth.secretName" $root }}
              key: {{ $values.auth.workerTokenKey }}
        # The only store the worker fetches artifacts from.
        - name: ADAPTERPLANE_STORE_URL
          value: {{ $values.store.url | quote }}
        # The saved routing table (served while the control plane is away) and the adapter cache.
        - name: ADAPTERPLANE_DATA_DIR
          value: /var/lib/adapterplane
        - name: ADAPTERPLANE_CACHE_DIR
          value: /var/lib/adapterplane/adapters
        - name: ADAPTERPLANE_CACHE_MAX_BYTES
          value: {{ $m.adapterCache.maxBytes | int64 | quote }}
        {{- include "adapterplane.s3.env" $root | nindent 8 }}
        {{- if include "adapterplane.huggingface.enabled" $root }}
        - name: HF_TOKEN
          valueFrom:
            secretKeyRef:
              name: {{ include "adapterplane.huggingface.secretName" $root }}
              key: {{ include "adapterplane.huggingface.secretKey" $root }}
        {{- end }}
        - name: HF_HOME
          value: /models/huggingface
        # The root filesystem is read-only: vLLM, Triton and FlashInfer cache under $HOME.
        - name: HOME
          value: /home/adapterplane
        - name: VLLM_NO_USAGE_STATS
          value: "1"
        - name: DO_NOT_TRACK
          value: "1"
        {{- with $m.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      startupProbe:
        {{- include "adapterplane.httpProbe" (dict "timings" $m.startupProbe "path" "/health") | nindent 8 }}
      readinessProbe:
        {{- include "adapterplane.httpProbe" (dict "timings" $m.readinessProbe "path" "/health") | nindent 8 }}
      livenessProbe:
        {{- include "adapterplane.httpProbe" (dict "timings" $m.livenessProbe "path" "/health") | nindent 8 }}
      lifecycle:
        # Keep serving while the endpoints controller and the ingress drop this pod; vLLM then
        # finishes in-flight requests on SIGTERM.
        preStop:
          exec:
            command: ["sleep", {{ $m.preStopSleepSeconds | int | quote }}]
      resources:
        {{- toYaml $resources | nindent 8 }}
      securityContext:
        {{- toYaml $values.workers.securityContext | nindent 8 }}
      volumeMounts:
        - name: dshm
          mountPath: /dev/shm
        - name: model-cache
          mountPath: /models
          {{- if and (eq $m.modelCache.type "existingClaim") $m.modelCache.readOnly }}
          readOnly: true
          {{- end }}
        - name: adapter-cache
          mountPath: /var/lib/adapterplane
        - name: home
          mountPath: /home/adapterplane
        - name: tmp
          mountPath: /tmp
  volumes:
    - name: dshm
      emptyDir:
        medium: Memory
        sizeLimit: {{ $m.shmSize }}
    {{- if eq $m.modelCache.type "emptyDir" }}
    - name: model-cache
      emptyDir:
        sizeLimit: {{ $m.modelCache.size }}
    {{- else if eq $m.modelCache.type "existingClaim" }}
    - name: model-cache
      persistentVolumeClaim:
        claimName: {{ $m.modelCache.existingClaim }}
        {{- if $m.modelCache.readOnly }}
        readOnly: true
        {{- end }}
    {{- end }}
    - name: adapter-cache
      emptyDir:
        sizeLimit: {{ $m.adapterCache.size }}
    - name: home
      emptyDir:
        sizeLimit: 20Gi
    - name: tmp
      emptyDir:
        sizeLimit: 10Gi
  {{- with $m.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $m.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $m.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $m.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}

{{- define "adapterplane.test.labels" -}}
{{ include "adapterplane.labels" . }}
app.kubernetes.io/component: helm-test
{{- end }}

{{- define "adapterplane.test.selectorLabels" -}}
{{ include "adapterplane.selectorLabels" . }}
app.kubernetes.io/component: helm-test
{{- end }}
