{{/* Names: every object is <release>-<component> (the deploy command relies on it). */}}
{{- define "wastecoach.name" -}}{{ .Release.Name | trunc 40 | trimSuffix "-" }}{{- end -}}

{{- define "wastecoach.labels" -}}
app.kubernetes.io/name: wastecoach
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ include "wastecoach.tag" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "api"). */}}
{{- define "wastecoach.selector" -}}
app.kubernetes.io/name: wastecoach
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "wastecoach.tag" -}}{{ .Values.image.tag | default .Chart.AppVersion }}{{- end -}}

{{- define "wastecoach.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ include "wastecoach.tag" . }}
{{- end -}}
{{- end -}}

{{/* The queue topology generated from workers/queues.py (python -m workers.topology). */}}
{{- define "wastecoach.topology" -}}{{ .Files.Get "files/queues.json" }}{{- end -}}

{{- define "wastecoach.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-env" (include "wastecoach.name" .)) -}}
{{- end -}}

{{/* Settings every process needs from a Secret; rendering fails when one has no source. */}}
{{- define "wastecoach.requiredSecretKeys" -}}WASTE_DATABASE_URL WASTE_BROKER_URL WASTE_REDIS_URL WASTE_JWT_SECRET{{- end -}}
{{- define "wastecoach.optionalSecretKeys" -}}WASTE_OPENAI_API_KEY WASTE_KAKAO_REST_API_KEY WASTE_KAKAO_CLIENT_SECRET WASTE_NAVER_CLIENT_SECRET WASTE_GOOGLE_CLIENT_SECRET WASTE_METRICS_TOKEN{{- end -}}

{{/* Where WASTE_METRICS_TOKEN comes from, as a SecretKeySelector (dict name key), or nothing. */}}
{{- define "wastecoach.metricsTokenRef" -}}
{{- $ref := get .Values.secrets.refs "WASTE_METRICS_TOKEN" -}}
{{- if $ref -}}
{{- dict "name" $ref.name "key" $ref.key | toJson -}}
{{- else if or .Values.secrets.existingSecret (get .Values.secrets.values "WASTE_METRICS_TOKEN") -}}
{{- dict "name" (include "wastecoach.secretName" .) "key" "WASTE_METRICS_TOKEN" | toJson -}}
{{- end -}}
{{- end -}}

{{/* (dict "root" $ "generated" "<name of the chart-made Secret>") */}}
{{- define "wastecoach.secretEnv" -}}
{{- $root := .root -}}
{{- $generated := .generated -}}
{{- range $key := splitList " " (include "wastecoach.requiredSecretKeys" $root) }}
{{- $ref := get $root.Values.secrets.refs $key }}
{{- if and (not $ref) (not $root.Values.secrets.existingSecret) (not (get $root.Values.secrets.values $key)) }}
{{- fail (printf "secrets.values.%s is required (or set secrets.existingSecret, or secrets.refs.%s: {name, key})" $key $key) }}
{{- end }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      name: {{ if $ref }}{{ $ref.name }}{{ else }}{{ $root.Values.secrets.existingSecret | default $generated }}{{ end }}
      key: {{ if $ref }}{{ $ref.key }}{{ else }}{{ $key }}{{ end }}
{{- end }}
{{- range $key := splitList " " (include "wastecoach.optionalSecretKeys" $root) }}
{{- $ref := get $root.Values.secrets.refs $key }}
{{- if or $ref $root.Values.secrets.existingSecret (get $root.Values.secrets.values $key) }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      name: {{ if $ref }}{{ $ref.name }}{{ else }}{{ $root.Values.secrets.existingSecret | default $generated }}{{ end }}
      key: {{ if $ref }}{{ $ref.key }}{{ else }}{{ $key }}{{ end }}
      optional: true
{{- end }}
{{- end }}
{{- end -}}

{{/* Environment of every container: the ConfigMap plus the Secret references above. */}}
{{- define "wastecoach.env" -}}
envFrom:
  - configMapRef:
      name: {{ include "wastecoach.name" . }}-config
env:
{{- include "wastecoach.secretEnv" (dict "root" . "generated" (include "wastecoach.secretName" .)) | nindent 2 }}
{{- end -}}

{{- define "wastecoach.containerSecurityContext" -}}
securityContext:
  runAsNonRoot: true
  readOnlyRootFilesystem: true
  allowPrivilegeEscalation: false
  privileged: false
  capabilities:
    drop: [ALL]
{{- end -}}

{{/* Writable scratch space on a read-only root FS (heartbeat file, temp files). */}}
{{- define "wastecoach.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
{{- end -}}

{{- define "wastecoach.podCommon" -}}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .root.Values.podSecurityContext | nindent 2 }}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if .root.Values.topologySpread.enabled }}
topologySpreadConstraints:
  - maxSkew: {{ .root.Values.topologySpread.maxSkew }}
    topologyKey: {{ .root.Values.topologySpread.topologyKey }}
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "wastecoach.selector" (dict "root" .root "component" .component) | nindent 8 }}
{{- end }}
{{- end -}}

{{/* Pod annotations: a changed ConfigMap or Secret rolls the pods. */}}
{{- define "wastecoach.podAnnotations" -}}
checksum/config: {{ include "wastecoach.configData" . | sha256sum }}
checksum/secret: {{ include "wastecoach.secretData" . | sha256sum }}
{{- end -}}

{{- define "wastecoach.configData" -}}
WASTE_ENV: {{ .Values.environment | quote }}
WASTE_LOG_LEVEL: {{ .Values.logLevel | quote }}
WASTE_DATA_DIR: "/tmp/wastecoach"
WASTE_HEARTBEAT_FILE: "/tmp/heartbeat"
WASTE_HEARTBEAT_INTERVAL_SECONDS: {{ .Values.workers.heartbeatIntervalSeconds | quote }}
WASTE_WORKER_METRICS_PORT: {{ .Values.workers.metricsPort | quote }}
{{- range $key, $value := .Values.config }}
WASTE_{{ $key | upper }}: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{- define "wastecoach.secretData" -}}
{{- if not .Values.secrets.existingSecret }}
{{- range $key, $value := .Values.secrets.values }}
{{ $key }}: {{ $value | toString | b64enc | quote }}
{{- end }}
{{- end }}
{{- end -}}
