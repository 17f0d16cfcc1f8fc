/**
 * Parameter groups, for freezing during the training stages and for reporting sizes:
 *   embeddings       model.embed_tokens, model.token_shift
 *   vision_stem      model.vision_stem.convs (config vision_stem; warmed up, then frozen by default: train/vision-warmup.ts)
 *   visual_input     model.patch_embed, model.vision_stem.proj, model.pre_pos_embed, model.image_newline
 *   pre              model.pre_norm + layers [0, P)
 *   pre_connector    model.pre_connector
 *   base             layers [P, P + B) + model.norm
 *   post_connector   model.post_connector
 *   post             layers [P + B, P + B + Q)
 *   lm_head          the text head after the post-decoder: model.post_norm, post_linear, post_scale, lm_head
 *   generation_head  time_embedding, temb_token, v2t_projector, patch_embed_cogvideo, norm_final, norm_out, proj_out
 */
import type { Tensor } from '../tensor/index.js';
import { layerRanges, type HaploOmniConfig } from './config.js';
import type { HaploOmni } from './haploomni.js';

export const PARAMETER_GROUPS = ['embeddings', 'vision_stem', 'visual_input', 'pre', 'pre_connector', 'base', 'post_connector', 'post', 'lm_head', 'generation_head'] as const;
export type ParameterGroup = (typeof PARAMETER_GROUPS)[number];

/** The group of a checkpoint key; throws for a key the model does not have. */
export function parameterGroup(name: string, config: HaploOmniConfig): ParameterGroup {
  const layer = /^model\.layers\.(\d+)\./.exec(name);
  if (layer) {
    const i = Number(layer[1]), r = layerRanges(config);
    if (i < r.pre[1]) return 'pre';
    if (i < r.base[1]) return 'base';
    if (i < r.post[1]) return 'post';
    throw new Error(`parameter ${name}: layer ${i} does not exist (the model has ${r.total} layers)`);
  }
  const top = name.split('.')[0];
  if (top !== 'model') {
    if (top === 'lm_head') return 'lm_head';
    if (['time_embedding', 'temb_token', 'v2t_projector', 'patch_embed_cogvideo', 'norm_final', 'norm_out', 'proj_out'].includes(top)) return 'generation_head';
    throw new Error(`parameter ${name} belongs to no group`);
  }
  const sub = name.split('.')[1];
  switch (sub) {
    case 'embed_tokens': case 'token_shift': return 'embeddings';
    case 'patch_embed': case 'pre_pos_embed': case 'image_newline': return 'visual_input';
    case 'vision_stem': return name.split('.')[2] === 'proj' ? 'visual_input' : 'vision_stem';
    case 'pre_norm': return 'pre';
    case 'pre_connector': return 'pre_connector';
    case 'norm': return 'base';
    case 'post_connector': return 'post_connector';
    case 'post_norm': case 'post_linear': case 'post_scale': return 'lm_head';
    default: throw new Error(`parameter ${name} belongs to no group`);
  }
}

/** Parameters by group (named). */
export function parameterGroups(model: HaploOmni): Record<ParameterGroup, [string, Tensor][]> {
  const out = Object.fromEntries(PARAMETER_GROUPS.map((g) => [g, [] as [string, Tensor][]])) as Record<ParameterGroup, [string, Tensor][]>;
  for (const [name, t] of model.namedParameters()) out[parameterGroup(name, model.config)].push([name, t]);
  return out;
}

/** Freezes (trainable false) or unfreezes the named groups. */
export function setTrainable(model: HaploOmni, groups: readonly ParameterGroup[], trainable: boolean): void {
  const all = parameterGroups(model);
  for (const g of groups) for (const [, t] of all[g]) t.requiresGrad = trainable;
}
