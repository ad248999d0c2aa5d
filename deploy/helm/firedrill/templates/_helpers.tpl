{{/* The release's name for its objects: "firedrill" for a release named firedrill. */}}
{{- define "firedrill.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "firedrill.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "firedrill.selectorLabels" -}}
app.kubernetes.io/name: {{ include "firedrill.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "firedrill.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "firedrill.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "firedrill.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "firedrill.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "firedrill.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The ServiceAccount as an RBAC subject. */}}
{{- define "firedrill.subject" -}}
- kind: ServiceAccount
  name: {{ include "firedrill.serviceAccountName" . }}
  namespace: {{ .Release.Namespace }}
{{- end -}}

{{/*
firedrill.yaml: the values' config, serving on all addresses of the pod at containerPort, with
the drills of the values in its catalogue.
*/}}
{{- define "firedrill.config" -}}
{{- $config := deepCopy .Values.config -}}
{{- if not (hasKey $config "environments") -}}
{{- $_ := set $config "environments" dict -}}
{{- end -}}
{{- $server := deepCopy (default dict $config.server) -}}
{{- $_ := set $server "host" "0.0.0.0" -}}
{{- $_ := set $server "port" (int .Values.containerPort) -}}
{{- $_ := set $config "server" $server -}}
{{- if .Values.drills -}}
{{- $_ := set $config "catalogue" (append (default list $config.catalogue) "drills" | uniq) -}}
{{- end -}}
{{- toYaml $config -}}
{{- end -}}
